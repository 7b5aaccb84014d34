import { html } from '../html';
import { ORDER_SOURCES } from '../../orders/order-source';
import { badge, CONSOLE_PATH, filterSelect, page, pager, toneOf, when, type PageContext } from '../layout';
import { problems } from './common.page';

export interface OrderRow {
  id: string;
  status: string;
  marketOrderId: string | null;
  marketCampaignId: string | null;
  omsOrderNumber: string | null;
  imshopUuid: string | null;
  statusSource: string | null;
  updatedAt: Date;
  stuck: { target: string; state: string; paused: boolean }[];
}

export interface OrdersFilter {
  q?: string;
  status?: string;
  source?: string;
  stuck?: boolean;
}

export function ordersPage(
  context: PageContext,
  filter: OrdersFilter,
  statuses: readonly string[],
  result: { items: OrderRow[]; total: number; page: number; limit: number },
  messages: string[],
  notes: string[],
): string {
  return page(
    context,
    'orders',
    'Orders',
    html`<h1>Orders</h1>
${problems(messages)}
<form method="get" action="${CONSOLE_PATH}/orders" class="filters" role="search" aria-label="Find orders">
  <label>Any id of the order
    <input type="search" name="q" value="${filter.q ?? ''}" placeholder="Market order, OMS number, ticket, uuid" size="34">
  </label>
  ${filterSelect('status', 'Status', statuses, filter.status)}
  ${filterSelect('source', 'Had an event from', ORDER_SOURCES, filter.source)}
  <label class="check"><input type="checkbox" name="stuck" value="1"${filter.stuck ? html` checked` : ''}> Stuck (a delivery retrying, dead or paused)</label>
  <button type="submit" class="primary">Find</button>
  <a href="${CONSOLE_PATH}/orders">Clear</a>
</form>
${notes.map((note) => html`<p class="banner">${note}</p>`)}
${
  result.items.length
    ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Orders"><table>
  <caption class="sr-only">Orders, newest change first</caption>
  <thead><tr><th scope="col">Order</th><th scope="col">Status</th><th scope="col">OMS number</th><th scope="col">IMSHOP uuid</th><th scope="col">Set by</th><th scope="col">Stuck</th><th scope="col">Last change (UTC)</th></tr></thead>
  <tbody>${result.items.map(
    (o) => html`<tr>
    <td><a href="${CONSOLE_PATH}/orders/${o.id}">${o.marketOrderId ? `Market ${o.marketOrderId}` : (o.omsOrderNumber ?? o.imshopUuid ?? o.id)}</a></td>
    <td>${badge(o.status, 'status')}</td>
    <td>${o.omsOrderNumber ?? ''}</td>
    <td class="mono">${o.imshopUuid ?? ''}</td>
    <td>${o.statusSource ?? ''}</td>
    <td>${o.stuck.map((s) => html`${badge(`${s.target}: ${s.paused ? 'paused' : s.state}`, toneOf(s.paused ? 'paused' : s.state))} `)}</td>
    <td>${when(o.updatedAt)}</td>
  </tr>`,
  )}</tbody></table></div>
${pager(`${CONSOLE_PATH}/orders`, { q: filter.q, status: filter.status, source: filter.source, stuck: filter.stuck ? '1' : undefined }, result.page, result.limit, result.total)}`
    : html`<p class="muted">No order matches${filter.q ? html` <strong>${filter.q}</strong>` : ''}.</p>`
}`,
  );
}
