import { escapeHtml, html, raw, type Html } from '../html';
import { badge, CONSOLE_PATH, page, timeTag, toneOf, when, type PageContext } from '../layout';
import { LANES, laneIndex, laneTitle, type JourneyRow, type LaneId } from '../journey';
import { maskedJson, maskedText } from '../mask';

/** What the journey page says of the order itself. */
export interface JourneyOrder {
  id: string;
  status: string;
  omsOrderNumber: string | null;
  imshopUuid: string | null;
  marketCampaignId: string | null;
  marketOrderId: string | null;
  statusEventAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  tickets: { imshopTicketId: string; type: string | null; status: string | null; storeId: string }[];
}

export interface StatusLine {
  at: Date;
  source: string;
  code: string;
  outcome: string;
  from: string | null;
  to: string | null;
  note: string | null;
}

function arrowClasses(row: JourneyRow): string {
  const from = laneIndex(row.from);
  const to = laneIndex(row.to);
  // A mark on one lane is centred on it, with the neighbouring lanes' room for its text.
  const [start, end] = from === to ? [Math.max(1, from - 1), Math.min(LANES.length, from + 1)] : from < to ? [from, to] : [to, from];
  const direction = from === to ? 'self' : from < to ? 'ltr' : 'rtl';
  return `arrow ${row.kind === 'outbound' ? 'out' : row.kind === 'inbound' ? 'in' : ''} ${row.kind === 'status' ? 'status' : ''} ${direction} s${start} e${end} w${end - start + 1}`.replace(
    /\s+/g,
    ' ',
  );
}

function route(from: LaneId, to: LaneId): string {
  return from === to ? `${laneTitle(from)}` : `${laneTitle(from)} → ${laneTitle(to)}`;
}

// The rows of the picture are the page's bulk (hundreds of them): built as plain strings, every value escaped.

function badgeText(text: string, tone: string): string {
  return `<span class="badge${tone === 'info' ? '' : ` ${tone}`}">${escapeHtml(text)}</span>`;
}

function attemptChipText(a: JourneyRow['attempts'][number]): string {
  return `<span class="att ${a.ok ? 'ok' : 'bad'}">${a.status ?? 'no answer'} · ${a.latencyMs} ms</span>`;
}

function attemptChip(a: JourneyRow['attempts'][number]): Html {
  return raw(attemptChipText(a));
}

function tagsText(row: JourneyRow): string {
  let out = '';
  if (row.kind !== 'status' && !(row.kind === 'note' && row.outcome === 'info')) out += badgeText(row.outcome, toneOf(row.outcome));
  if (row.repeats) out += badgeText(`repeated ×${row.repeats}`, 'warn');
  if (row.attempts.length) out += `<span class="attempts" aria-label="attempts">${row.attempts.map(attemptChipText).join('')}</span>`;
  if (row.targetPaused) out += badgeText('target paused', 'bad');
  else if (row.nextAttemptAt) out += `<span class="att">next ${row.nextAttemptAt.toISOString().slice(11, 19)}</span>`;
  return out;
}

function arrowText(row: JourneyRow, selected: boolean): string {
  // Without the script the link opens the page with this event's details; the script fetches them in place.
  const tags = tagsText(row);
  return (
    `<a class="${arrowClasses(row)}" href="?event=${row.detailId}#selected-title" data-event="${row.detailId}"${selected ? ' aria-current="true"' : ''}>` +
    `<span class="route">${escapeHtml(route(row.from, row.to))}</span><span class="label">${escapeHtml(row.label)}</span>` +
    (row.from !== row.to ? '<span class="shaft" aria-hidden="true"></span>' : '') +
    (tags ? `<span class="tags">${tags}</span>` : '') +
    '</a>'
  );
}

function journeyGrid(rows: JourneyRow[], selectedId: string | null): Html {
  let lastDay = '';
  let body = '';
  for (const row of rows) {
    const iso = row.at.toISOString();
    const day = iso.slice(0, 10);
    const showDay = day !== lastDay;
    lastDay = day;
    body += `<div class="jrow"><div class="t"><time datetime="${iso}">${showDay ? `${day}<br>` : ''}${iso.slice(11, 19)}<span class="ms">${iso.slice(19, 23)}</span></time></div>${arrowText(row, row.detailId === selectedId && row.kind !== 'status')}</div>\n`;
  }
  return html`<div class="journey">
  <div class="jrow head" aria-hidden="true"><div class="lane-head time">time (UTC)</div>
  ${LANES.map((lane, i) => html`<div class="lane-head l${i + 1}">${lane.title}</div>`)}
  <div class="lane-head events">what happened</div></div>
  ${raw(body)}
</div>`;
}

/** The status history beside the picture, one line an event, as text. */
function statusHistory(lines: StatusLine[]): Html {
  let out = '';
  for (const line of lines) {
    const iso = line.at.toISOString();
    out +=
      `<li>${iso.slice(0, 10)} ${iso.slice(11, 19)} · <strong>${escapeHtml(line.source)}</strong>${line.code ? ` <code>${escapeHtml(line.code)}</code>` : ''} · ${badgeText(line.outcome, toneOf(line.outcome))}` +
      `${line.to && line.outcome === 'applied' ? ` → <strong>${escapeHtml(line.to)}</strong>` : ''}${line.note ? `<br><span class="muted">${escapeHtml(line.note)}</span>` : ''}</li>`;
  }
  return raw(out);
}

/** One event's details: what the panel beside the picture shows when its arrow is selected. */
export function eventDetail(row: JourneyRow): Html {
  return html`<section class="detail" id="event-${row.detailId}" aria-labelledby="event-${row.detailId}-title">
  <h3 id="event-${row.detailId}-title">${row.label}</h3>
  <p class="muted">${route(row.from, row.to)} · ${when(row.at, true)}</p>
  <dl>${row.facts().map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>
  ${
    row.attempts.length
      ? html`<h4>Attempts</h4>
  <ol class="history-text">${row.attempts.map(
    (a) => html`<li>${attemptChip(a)} ${a.outcome} at ${timeTag(a.startedAt, true)}${a.error ? html`<br>${a.error}` : ''}
      ${a.response ? html`<details><summary>answer</summary><pre tabindex="0">${maskedText(a.response)}</pre></details>` : ''}</li>`,
  )}</ol>`
      : ''
  }
  <h4>${row.bodyTitle}</h4>
  ${row.body === null || row.body === undefined ? html`<p class="muted">No body was stored for this event.</p>` : html`<pre class="body" tabindex="0">${maskedJson(row.body)}</pre>`}
  ${row.answer !== undefined && row.answer !== null && JSON.stringify(row.answer) !== '{}' ? html`<h4>What order-sync kept of the answer</h4><pre tabindex="0">${maskedJson(row.answer)}</pre>` : ''}
  <h4>Headers</h4>
  <p class="muted">${
    row.kind === 'outbound'
      ? 'Not kept: a delivery stores the body it sends and each answer. In the sandbox, the Sandbox page lists every request the stand-in peers received, headers included (credentials masked).'
      : 'Not kept: an inbound event stores its body (credentials masked here).'
  }</p>
</section>`;
}

function facts(order: JourneyOrder): Html {
  const items: [string, string | Html][] = [['status', badge(order.status, 'status')]];
  if (order.marketOrderId) items.push(['Market order', `${order.marketOrderId} (campaign ${order.marketCampaignId})`]);
  if (order.omsOrderNumber) items.push(['OMS number', order.omsOrderNumber]);
  if (order.imshopUuid) items.push(['IMSHOP uuid', order.imshopUuid]);
  for (const ticket of order.tickets)
    items.push([`${ticket.type ?? ''} ticket`.trim(), `${ticket.imshopTicketId} (${ticket.status ?? 'no status'}, store ${ticket.storeId})`]);
  items.push(['internal id', order.id]);
  items.push(['last change', when(order.updatedAt)]);
  return html`<dl class="order-facts">${items.map(([name, value]) => html`<div><dt>${name}</dt><dd>${value}</dd></div>`)}</dl>`;
}

export function journeyPage(
  context: PageContext,
  order: JourneyOrder,
  rows: JourneyRow[],
  statusLines: StatusLine[],
  limited: string | null,
  selected: JourneyRow | null,
): string {
  const title = order.marketOrderId ? `Market order ${order.marketOrderId}` : order.omsOrderNumber ? `Order ${order.omsOrderNumber}` : `Order ${order.id}`;
  return page(
    context,
    'orders',
    title,
    html`<p><a href="${CONSOLE_PATH}/orders">← Orders</a></p>
<h1>${title}: its journey</h1>
${facts(order)}
${limited ? html`<p class="banner">${limited}</p>` : ''}
<div class="journey-page">
  <section aria-labelledby="picture-title">
    <h2 id="picture-title">What happened, time flowing down</h2>
    <p class="legend"><span>Solid arrow: received by order-sync.</span><span>Dashed arrow: sent by order-sync, with each attempt (HTTP status · latency).</span><span>Select an arrow for its body; ↑ and ↓ move between arrows.</span></p>
    ${rows.length ? journeyGrid(rows, selected?.detailId ?? null) : html`<p class="muted">Nothing has happened to this order yet.</p>`}
  </section>
  <aside class="side" aria-label="Details">
    <section class="panel" aria-labelledby="selected-title">
      <h2 id="selected-title">Selected event</h2>
      <div id="selected-event">${selected ? eventDetail(selected) : html`<p class="muted">Select an arrow to see its body and headers (credentials masked).</p>`}</div>
    </section>
    <section class="panel" aria-labelledby="history-title">
      <h2 id="history-title">Status history</h2>
      <ol class="history-text">${statusHistory(statusLines)}</ol>
    </section>
  </aside>
</div>`,
  );
}
