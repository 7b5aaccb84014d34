import { html } from '../html';
import { badge, CONSOLE_PATH, filterSelect, page, pager, timeTag, toneOf, when, type PageContext } from '../layout';
import { deliveryLabel, type AttemptInput, type DeliveryInput } from '../journey';
import { maskedJson, maskedText } from '../mask';
import type { TargetView } from '../../outbox/targets.service';
import { problems } from './common.page';

/** A delivery as the outbox answers it. */
export type DeliveryView = Omit<DeliveryInput, 'attemptLog'> & { orderId: string };

export interface DeliveriesFilter {
  state?: string;
  target?: string;
}

const WAITING = ['pending', 'retrying', 'in_flight'];

export function deliveriesPage(
  context: PageContext,
  filter: DeliveriesFilter,
  states: readonly string[],
  targets: string[],
  pausedTargets: Set<string>,
  result: { items: DeliveryView[]; total: number; page: number; limit: number },
  messages: string[],
): string {
  return page(
    context,
    'deliveries',
    'Deliveries',
    html`<h1>Deliveries</h1>
<p class="muted">Every status, ticket and answer order-sync sends, newest first. Retrying and dead ones are what needs a look; <a href="${CONSOLE_PATH}/targets">Targets</a> pauses, resumes and recovers a whole target.</p>
${problems(messages)}
<form method="get" action="${CONSOLE_PATH}/deliveries" class="filters" aria-label="Filter deliveries">
  ${filterSelect('state', 'State', states, filter.state)}
  ${filterSelect('target', 'Target', targets, filter.target)}
  <button type="submit" class="primary">Show</button>
  <a href="${CONSOLE_PATH}/deliveries?state=retrying">Retrying</a>
  <a href="${CONSOLE_PATH}/deliveries?state=dead">Dead</a>
</form>
${
  result.items.length
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Deliveries"><table>
  <caption class="sr-only">Deliveries, newest first</caption>
  <thead><tr><th scope="col">Delivery</th><th scope="col">What</th><th scope="col">State</th><th scope="col" class="num">Attempts</th><th scope="col">Next attempt / sent (UTC)</th><th scope="col">Last error</th><th scope="col">Order</th></tr></thead>
  <tbody>${result.items.map((d) => {
    const paused = WAITING.includes(d.state) && pausedTargets.has(d.target);
    return html`<tr>
    <td><a href="${CONSOLE_PATH}/deliveries/${d.id}">${d.id}</a> <span class="muted">${d.target}</span></td>
    <td>${deliveryLabel(d)}</td>
    <td>${badge(d.state, toneOf(d.state))}${paused ? html` ${badge('target paused', 'bad')}` : ''}</td>
    <td class="num">${d.attempts}</td>
    <td>${d.sentAt ? when(d.sentAt) : WAITING.includes(d.state) ? (paused ? 'when resumed' : when(d.nextAttemptAt)) : ''}</td>
    <td>${d.lastError ?? ''}</td>
    <td><a href="${CONSOLE_PATH}/orders/${d.orderId}#d${d.id}">journey</a></td>
  </tr>`;
  })}</tbody></table></div>
${pager(`${CONSOLE_PATH}/deliveries`, { state: filter.state, target: filter.target }, result.page, result.limit, result.total)}`
    : html`<p class="muted">No delivery matches.</p>`
}`,
  );
}

export function deliveryPage(context: PageContext, delivery: DeliveryView, attempts: AttemptInput[], targetPaused: boolean): string {
  const retryable = delivery.state === 'dead' || delivery.state === 'superseded';
  return page(
    context,
    'deliveries',
    `Delivery ${delivery.id}`,
    html`<p><a href="${CONSOLE_PATH}/deliveries">← Deliveries</a></p>
<h1>Delivery ${delivery.id}: ${deliveryLabel(delivery)}</h1>
<dl class="order-facts">
  <div><dt>target</dt><dd>${delivery.target}</dd></div>
  <div><dt>state</dt><dd>${badge(delivery.state, toneOf(delivery.state))}${targetPaused ? html` ${badge('target paused', 'bad')}` : ''}</dd></div>
  <div><dt>attempts</dt><dd>${delivery.attempts}</dd></div>
  <div><dt>created</dt><dd>${when(delivery.createdAt)}</dd></div>
  ${delivery.sentAt ? html`<div><dt>sent</dt><dd>${when(delivery.sentAt)}</dd></div>` : ''}
  ${WAITING.includes(delivery.state) ? html`<div><dt>next attempt</dt><dd>${targetPaused ? 'when the target is resumed' : when(delivery.nextAttemptAt)}</dd></div>` : ''}
  <div><dt>order</dt><dd><a href="${CONSOLE_PATH}/orders/${delivery.orderId}#d${delivery.id}">its journey</a></dd></div>
</dl>
<div class="actions">
  ${
    retryable
      ? html`<a class="button primary" href="${CONSOLE_PATH}/deliveries/${delivery.id}/retry">Retry this delivery…</a>`
      : html`<span class="muted">${delivery.state === 'sent' ? 'Sent: nothing to retry.' : 'Waiting for its next attempt: it is retried by itself.'}</span>`
  }
</div>
<h2>Attempts</h2>
${
  attempts.length
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Attempts"><table>
  <thead><tr><th scope="col" class="num">#</th><th scope="col">Started (UTC)</th><th scope="col">HTTP status</th><th scope="col" class="num">Latency</th><th scope="col">Outcome</th><th scope="col">Error</th></tr></thead>
  <tbody>${attempts.map(
    (a) =>
      html`<tr><td class="num">${a.attempt}</td><td>${timeTag(a.startedAt, true)}</td><td>${a.statusCode || 'no answer'}</td><td class="num">${a.latencyMs} ms</td><td>${badge(a.outcome, a.outcome === 'sent' ? 'ok' : a.outcome === 'dead' ? 'bad' : 'warn')}</td><td>${a.error ?? ''}</td></tr>`,
  )}</tbody></table></div>
${attempts.filter((a) => a.response).map((a) => html`<details><summary>Answer to attempt ${a.attempt}</summary><pre tabindex="0">${maskedText(a.response)}</pre></details>`)}`
    : html`<p class="muted">No attempt yet.</p>`
}
<h2>Body sent</h2>
<pre tabindex="0">${maskedJson(delivery.payload)}</pre>
${delivery.response !== null && delivery.response !== undefined ? html`<h2>What order-sync kept of the answer</h2><pre tabindex="0">${maskedJson(delivery.response)}</pre>` : ''}`,
  );
}

export function targetsPage(context: PageContext, targets: TargetView[]): string {
  return page(
    context,
    'targets',
    'Targets',
    html`<h1>Targets</h1>
<p class="muted">Where order-sync sends: each target's health, what waits and what is dead. A paused target's deliveries wait, without attempts, until it is resumed.</p>
<div class="table-wrap" tabindex="0" role="region" aria-label="Targets"><table>
  <caption class="sr-only">Outbound targets</caption>
  <thead><tr><th scope="col">Target</th><th scope="col">State</th><th scope="col">Failing since (UTC)</th><th scope="col">Last error</th><th scope="col">Last success (UTC)</th><th scope="col" class="num">Waiting</th><th scope="col" class="num">Dead</th><th scope="col">Actions</th></tr></thead>
  <tbody>${targets.map(
    (t) => html`<tr>
    <td><a href="${CONSOLE_PATH}/deliveries?target=${t.target}">${t.target}</a>${t.configured ? '' : html` <span class="muted">(not configured here)</span>`}</td>
    <td>${t.paused ? html`${badge('paused', 'bad')} <span class="muted">${t.pauseReason === 'manual' ? `by ${t.pausedBy ?? 'an admin'}` : 'automatically'} at ${when(t.pausedAt)}</span>` : badge(t.failingSince ? 'failing' : 'healthy', t.failingSince ? 'warn' : 'ok')}</td>
    <td>${t.failingSince ? html`${when(t.failingSince)} <span class="muted">(${t.consecutiveFailures} failures)</span>` : ''}</td>
    <td>${t.lastError ?? ''}</td>
    <td>${when(t.lastSuccessAt)}</td>
    <td class="num">${t.waiting}</td>
    <td class="num">${t.dead ? html`<a href="${CONSOLE_PATH}/deliveries?target=${t.target}&amp;state=dead">${t.dead}</a>` : '0'}</td>
    <td><div class="actions">
      ${
        t.paused
          ? html`<a class="button" href="${CONSOLE_PATH}/targets/${t.target}/resume">Resume…</a>`
          : html`<a class="button" href="${CONSOLE_PATH}/targets/${t.target}/pause">Pause…</a>`
      }
      <a class="button" href="${CONSOLE_PATH}/targets/${t.target}/recover">Recover dead…</a>
    </div></td>
  </tr>`,
  )}</tbody></table></div>`,
  );
}
