import { html, type Html } from '../html';
import { badge, CONSOLE_PATH, csrfField, page, pager, timeTag, type PageContext } from '../layout';
import { maskCredentials } from '../../common/credentials';
import { maskedJson } from '../mask';
import { TICKET_STATUSES } from '../dto/console-forms';
import type { SandboxFaultView, SandboxRequestView } from '../../sandbox/dto/sandbox-admin.dto';
import { problems } from './common.page';

/** What the "play a peer" forms start with: the README's walkthrough. */
export interface PlayDefaults {
  ticketId: string;
  ticketOrderId: string;
  storeId: string;
  omsId: string;
  omsCode: string;
}

function playButton(context: PageContext, step: string, text: string, explanation: string): Html {
  return html`<form method="post" action="${CONSOLE_PATH}/sandbox/play/${step}" class="actions">${csrfField(context.user)}<button type="submit">${text}</button><span class="muted">${explanation}</span></form>`;
}

export function sandboxPage(
  context: PageContext,
  peer: string | undefined,
  faults: SandboxFaultView[],
  requests: { items: SandboxRequestView[]; total: number; page: number; limit: number },
  defaults: PlayDefaults,
  messages: string[],
): string {
  return page(
    context,
    'sandbox',
    'Sandbox',
    html`<h1>Sandbox</h1>
<p class="muted">SANDBOX=true: the app plays IMSHOP and Yandex Market itself. Here you play their part towards order-sync (each button sends the request the peer would, over HTTP), make the stand-in peers fail, and see every request they received.</p>
${problems(messages)}
<section class="panel" aria-labelledby="play-title">
  <h2 id="play-title">Play the peers</h2>
  <h3>Yandex Market</h3>
  ${playButton(context, 'market-order-created', 'Send ORDER_CREATED', 'Market order 46830651 of the demo campaign 21683701 is created.')}
  ${playButton(context, 'market-processing', 'Send ORDER_STATUS_UPDATED (PROCESSING/STARTED)', 'Market asks the shop to assemble it; order-sync fetches the details and sends the store a prepare ticket.')}
  <h3>IMSHOP store: a ticket's status</h3>
  <form method="post" action="${CONSOLE_PATH}/sandbox/play/ticket-status" class="filters">
    ${csrfField(context.user)}
    <label>Ticket<input type="text" name="ticketId" value="${defaults.ticketId}" required maxlength="255"></label>
    <label>Order (OMS number)<input type="text" name="orderId" value="${defaults.ticketOrderId}" required maxlength="255"></label>
    <label>Store<input type="text" name="storeId" value="${defaults.storeId}" required maxlength="255"></label>
    <label>Status<select name="status">${TICKET_STATUSES.map((s) => html`<option>${s}</option>`)}</select></label>
    <button type="submit">Send the ticket status</button>
  </form>
  <h3>Retailer's OMS: an order's status</h3>
  <form method="post" action="${CONSOLE_PATH}/sandbox/play/oms-status" class="filters">
    ${csrfField(context.user)}
    <label>Order (OMS number)<input type="text" name="id" value="${defaults.omsId}" required maxlength="128"></label>
    <label>Code<input type="text" name="code" value="${defaults.omsCode}" required maxlength="128"></label>
    <button type="submit">Send the OMS status</button>
  </form>
</section>
<section class="panel" aria-labelledby="faults-title">
  <h2 id="faults-title">Faults</h2>
  ${
    faults.length
      ? html`<ul>${faults.map((f) => html`<li><strong>${f.peer}</strong>: ${f.description}, for its next ${f.remaining} request${f.remaining === 1 ? '' : 's'}</li>`)}</ul>
  <p><a class="button" href="${CONSOLE_PATH}/sandbox/faults/clear">Clear the faults…</a></p>`
      : html`<p class="muted">None: the peers answer normally.</p>`
  }
  <form method="post" action="${CONSOLE_PATH}/sandbox/faults" class="filters" aria-label="Set a fault">
    ${csrfField(context.user)}
    <label>Peer<select name="peer"><option>imshop</option><option>market</option></select></label>
    <label>How many requests<input type="number" name="count" value="3" min="1" max="1000" required></label>
    <label>Answer with HTTP status<input type="number" name="status" value="503" min="200" max="599"></label>
    <label>Delay (ms)<input type="number" name="delayMs" value="0" min="0" max="120000"></label>
    <label class="check"><input type="checkbox" name="noAnswer" value="true"> No answer at all</label>
    <button type="submit">Set the fault</button>
  </form>
</section>
<section aria-labelledby="requests-title">
  <h2 id="requests-title">What the peers received</h2>
  <form method="get" action="${CONSOLE_PATH}/sandbox" class="filters" aria-label="Filter by peer">
    <label>Peer<select name="peer"><option value="">both</option>${['imshop', 'market'].map((p) => html`<option${p === peer ? html` selected` : ''}>${p}</option>`)}</select></label>
    <button type="submit" class="primary">Show</button>
  </form>
  ${
    requests.items.length
      ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Recorded requests"><table>
  <caption class="sr-only">Requests the sandbox peers received, newest first</caption>
  <thead><tr><th scope="col">Received (UTC)</th><th scope="col">Peer</th><th scope="col">Request</th><th scope="col">Answer</th><th scope="col">Fault</th><th scope="col">Headers and body</th></tr></thead>
  <tbody>${requests.items.map(
    (r) => html`<tr>
    <td>${timeTag(r.receivedAt, true)}</td><td>${r.peer}</td><td><code>${r.method} ${r.path}</code></td>
    <td>${r.answer.status === null ? badge('no answer', 'bad') : badge(String(r.answer.status), r.answer.status < 300 ? 'ok' : 'bad')}${r.durationMs !== null ? html` <span class="muted">${r.durationMs} ms</span>` : ''}</td>
    <td>${r.fault ?? ''}</td>
    <td><details><summary>request ${r.id}</summary><h3>Headers</h3><pre tabindex="0">${maskedJson(maskCredentials(r.headers))}</pre><h3>Body</h3><pre tabindex="0">${r.body === null || r.body === undefined ? '(none)' : maskedJson(r.body)}</pre><h3>Answer</h3><pre tabindex="0">${maskedJson(r.answer.body) || '(none)'}</pre></details></td>
  </tr>`,
  )}</tbody></table></div>
  ${pager(`${CONSOLE_PATH}/sandbox`, { peer }, requests.page, requests.limit, requests.total)}`
      : html`<p class="muted">Nothing yet.</p>`
  }
</section>`,
  );
}

/** The answer order-sync gave to a request the console sent for a peer. */
export function playedDetails(
  request: { method: string; path: string; body: unknown },
  answer: { status: number; body: unknown },
  orderLink: string | null,
): Html {
  return html`<h2>Sent</h2><p><code>${request.method} ${request.path}</code></p><pre tabindex="0">${maskedJson(request.body)}</pre>
<h2>order-sync answered ${answer.status}</h2><pre tabindex="0">${maskedJson(answer.body) || '(no body)'}</pre>
${orderLink ? html`<p><a class="button primary" href="${orderLink}">See the order's journey</a></p>` : ''}`;
}
