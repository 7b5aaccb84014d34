import { html, type Html } from '../html';
import { badge, CONSOLE_PATH, csrfField, page, when, type PageContext } from '../layout';

export interface MappingRow {
  id: number;
  direction: string;
  system: string;
  ticketType: string | null;
  externalCode: string | null;
  externalSubstatus: string | null;
  internalStatus: string | null;
  code: string | null;
  message: string | null;
  attention: boolean;
  version: number;
  updatedAt: Date;
}

export interface MappingsNotice {
  rowId: number;
  ok: boolean;
  message: string;
}

function statusSelect(form: string, id: number, value: string | null, statuses: readonly string[], allowNone: boolean): Html {
  return html`<select name="internalStatus" form="${form}" aria-label="internal status of row ${id}">
    ${allowNone ? html`<option value=""${value === null ? html` selected` : ''}>no change (record only)</option>` : ''}
    ${statuses.map((s) => html`<option${s === value ? html` selected` : ''}>${s}</option>`)}
  </select>`;
}

function text(form: string, name: string, id: number, value: string | null, label: string): Html {
  return html`<input type="text" name="${name}" form="${form}" value="${value ?? ''}" aria-label="${label} of row ${id}">`;
}

function saveCell(context: PageContext, row: MappingRow, filter: string): Html {
  const form = `m${row.id}`;
  return html`<td><form id="${form}" method="post" action="${CONSOLE_PATH}/mappings/${row.id}" class="actions">
    ${csrfField(context.user)}
    <input type="hidden" name="expectedVersion" value="${row.version}">
    <input type="hidden" name="system" value="${filter}">
    <button type="submit" aria-label="Save row ${row.id}">Save</button>
    <a href="${CONSOLE_PATH}/mappings/${row.id}/audit">Audit</a>
  </form></td>`;
}

function attention(form: string, row: MappingRow): Html {
  return html`<input type="checkbox" name="attention" value="true" form="${form}"${row.attention ? html` checked` : ''} aria-label="flag row ${row.id} for attention">`;
}

export function mappingsPage(
  context: PageContext,
  rows: MappingRow[],
  statuses: readonly string[],
  systems: { inbound: readonly string[]; outbound: readonly string[] },
  filter: string,
  notice: MappingsNotice | null,
): string {
  const inbound = rows.filter((r) => r.direction === 'inbound');
  const outbound = rows.filter((r) => r.direction === 'outbound');
  const marked = (row: MappingRow) => (notice?.rowId === row.id ? html` class="changed"` : '');
  return page(
    context,
    'mappings',
    'Status mappings',
    html`<h1>Status mappings</h1>
<p class="muted">Inbound rows turn a peer's code into an order status; outbound rows turn an order status into the code and message a target receives. Edit a row in place and save it: a row someone else changed since you loaded this page is not overwritten (you are told, and see their version). Changes apply to events from now on.</p>
${notice ? html`<p class="banner ${notice.ok ? 'ok' : 'bad'}" role="${notice.ok ? 'status' : 'alert'}">${notice.message}</p>` : ''}
<form method="get" action="${CONSOLE_PATH}/mappings" class="filters" aria-label="Filter rows">
  <label>Rows of<select name="system"><option value="">every source and target</option>
    ${systems.inbound.map((s) => html`<option value="in:${s}"${filter === `in:${s}` ? html` selected` : ''}>inbound from ${s}</option>`)}
    ${systems.outbound.map((s) => html`<option value="out:${s}"${filter === `out:${s}` ? html` selected` : ''}>outbound to ${s}</option>`)}
  </select></label>
  <button type="submit" class="primary">Show</button>
  ${systems.outbound.map((s) => html`<a href="${CONSOLE_PATH}/mappings/export?target=${s}">Export for ${s}</a>`)}
</form>
${
  inbound.length
    ? html`<h2>Inbound</h2>
<div class="table-wrap" tabindex="0" role="region" aria-label="Inbound rows"><table class="mapping-table">
  <thead><tr><th scope="col">#</th><th scope="col">Source</th><th scope="col">Ticket type</th><th scope="col">Code</th><th scope="col">Substatus</th><th scope="col">Order status</th><th scope="col">Attention</th><th scope="col" class="num">Version</th><th scope="col">Save</th></tr></thead>
  <tbody>${inbound.map((row) => {
    const form = `m${row.id}`;
    return html`<tr id="row-${row.id}"${marked(row)}><td>${row.id}</td><td>${row.system}</td><td>${row.ticketType ?? 'any'}</td><td><code>${row.externalCode}</code></td><td>${row.externalSubstatus ?? 'any'}</td>
      <td>${statusSelect(form, row.id, row.internalStatus, statuses, true)}</td><td>${attention(form, row)}</td><td class="num">${row.version}</td>${saveCell(context, row, filter)}</tr>`;
  })}</tbody></table></div>`
    : ''
}
${
  outbound.length
    ? html`<h2>Outbound</h2>
<div class="table-wrap" tabindex="0" role="region" aria-label="Outbound rows"><table class="mapping-table">
  <thead><tr><th scope="col">#</th><th scope="col">Target</th><th scope="col">Order status</th><th scope="col">Code sent</th><th scope="col">Substatus sent</th><th scope="col">Message the buyer sees</th><th scope="col">Attention</th><th scope="col" class="num">Version</th><th scope="col">Save</th></tr></thead>
  <tbody>${outbound.map((row) => {
    const form = `m${row.id}`;
    return html`<tr id="row-${row.id}"${marked(row)}><td>${row.id}</td><td>${row.system}</td><td>${row.internalStatus}</td>
      <td>${text(form, 'code', row.id, row.code, 'code sent')}</td>
      <td>${row.system === 'market' ? text(form, 'externalSubstatus', row.id, row.externalSubstatus, 'substatus sent') : html`<span class="muted">—</span>`}</td>
      <td>${text(form, 'message', row.id, row.message, 'message')}</td><td>${attention(form, row)}</td><td class="num">${row.version}</td>${saveCell(context, row, filter)}</tr>`;
  })}</tbody></table></div>`
    : ''
}
${!rows.length ? html`<p class="muted">No rows.</p>` : ''}`,
  );
}

export interface AuditRow {
  action: string;
  actor: string;
  at: Date;
  before: unknown;
  after: unknown;
}

function changes(before: unknown, after: unknown): Html {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const fields = ['ticketType', 'externalCode', 'externalSubstatus', 'internalStatus', 'code', 'message', 'attention', 'version'];
  const changed = fields.filter((f) => JSON.stringify(b[f]) !== JSON.stringify(a[f]));
  return html`<ul>${changed.map((f) => html`<li><code>${f}</code>: ${JSON.stringify(b[f] ?? null)} → ${JSON.stringify(a[f] ?? null)}</li>`)}</ul>`;
}

export function auditPage(context: PageContext, row: MappingRow | null, id: number, audit: AuditRow[]): string {
  return page(
    context,
    'mappings',
    `Audit of row ${id}`,
    html`<p><a href="${CONSOLE_PATH}/mappings${row ? `#row-${id}` : ''}">← Status mappings</a></p>
<h1>Audit of mapping row ${id}</h1>
${
  row
    ? html`<p>${row.direction} · ${row.system} · ${row.direction === 'inbound' ? html`<code>${[row.externalCode, row.externalSubstatus].filter(Boolean).join('/')}</code> → ${row.internalStatus ?? 'no change'}` : html`${row.internalStatus} → <code>${row.code}</code> “${row.message ?? ''}”`} · version ${row.version}</p>`
    : html`<p class="muted">The row was removed.</p>`
}
${
  audit.length
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Audit trail"><table><thead><tr><th scope="col">When (UTC)</th><th scope="col">What</th><th scope="col">Who</th><th scope="col">Changes</th></tr></thead>
  <tbody>${audit.map((entry) => html`<tr><td>${when(entry.at)}</td><td>${badge(entry.action)}</td><td>${entry.actor}</td><td>${changes(entry.before, entry.after)}</td></tr>`)}</tbody></table></div>`
    : html`<p class="muted">No change since the table was set up (the default rows are not audited).</p>`
}`,
  );
}

export function exportPage(
  context: PageContext,
  target: string,
  targets: readonly string[],
  codes: { code: string; description: string; internalStatuses: string[] }[],
): string {
  const json = JSON.stringify(codes, null, 2);
  return page(
    context,
    'mappings',
    `Export for ${target}`,
    html`<p><a href="${CONSOLE_PATH}/mappings">← Status mappings</a></p>
<h1>Status codes for ${target}</h1>
<p class="muted">What IMSHOP asks a retailer to hand over: every code order-sync sends to ${target}, with the text the buyer sees. ${targets
      .filter((t) => t !== target)
      .map((t) => html`<a href="${CONSOLE_PATH}/mappings/export?target=${t}">For ${t}</a> `)}</p>
<div class="table-wrap" tabindex="0" role="region" aria-label="Status codes"><table><thead><tr><th scope="col">Code</th><th scope="col">Description</th><th scope="col">For the order statuses</th></tr></thead>
<tbody>${codes.map((c) => html`<tr><td><code>${c.code}</code></td><td>${c.description}</td><td>${c.internalStatuses.join(', ')}</td></tr>`)}</tbody></table></div>
<h2>As JSON</h2>
<div class="actions"><button type="button" data-download="export-json" data-filename="order-sync-status-codes-${target}.json" hidden>Download JSON</button></div>
<pre id="export-json" tabindex="0" aria-label="the export as JSON">${json}</pre>`,
  );
}
