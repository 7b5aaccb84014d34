import { cutToColumn } from '../common/stored-text';
import type { InboundResolution } from '../status-mapping/status-mapping.service';
import type { HistoryOutcome } from './order-history.entity';
import { checkTransition, type OrderStatus } from './order-status';
import { Order } from './order.entity';
import { mappingSourceOf, type OrderSource } from './order-source';
import type { ApplyResult, OrderIdentity, StatusEvent } from './status-event';

/** order_history.note's length. */
const NOTE_COLUMN = 512;

/**
 * The order aggregate's rules, apart from how orders are stored: what one status event does to its order
 * (locked by the caller, or null for a new one). No I/O: the caller resolves the event's code through the
 * mapping table first and gives the time the event arrived.
 */

/** The history row an event leaves, whatever its outcome. */
export interface HistoryRow {
  source: OrderSource;
  dedupeKey: string | null;
  outcome: HistoryOutcome;
  fromStatus: OrderStatus | null;
  toStatus: OrderStatus | null;
  externalCode: string | null;
  externalSubstatus: string | null;
  eventAt: Date;
  note: string | null;
  /** The source payload as JSON text, or null. */
  payload: string | null;
}

export interface Decision {
  /** The order as it is to be written (the locked entity, changed in place, or a new one without id). */
  order: Order;
  history: HistoryRow;
  result: Omit<ApplyResult, 'historyId'>;
}

/** The event names a source code to look up in the mapping table (it does not set the status itself). */
export function needsMapping(event: StatusEvent): boolean {
  return event.internalStatus === undefined && event.externalCode !== undefined;
}

/**
 * What the event does to the locked order (or to a new one): resolve the status (given, mapped or none), skip
 * it when it is older than the last applied status, enforce the state machine unless overridden, and describe
 * the history row. `mapping`: the mapping table's answer for the event's code, when needsMapping(event).
 * `now`: when the event arrived (the time of an event that has none of its own).
 */
export function decideStatusEvent(event: StatusEvent, locked: Order | null, context: { now: Date; mapping?: InboundResolution }): Decision {
  const created = !locked;
  const order = locked ? mergeIdentity(locked, event.identity) : newOrder(event.identity);

  const eventAt = event.eventAt ?? context.now;
  let target: OrderStatus | null;
  let outcome: HistoryOutcome;
  let reason: string | undefined;
  let attention = false;
  if (event.internalStatus !== undefined) {
    target = event.internalStatus;
    outcome = target === null ? 'info' : 'applied';
  } else if (event.externalCode !== undefined) {
    const resolved = context.mapping;
    if (!resolved) throw new Error(`the mapping of ${mappingSourceOf(event.source)} code ${describeCode(event)} was not resolved`);
    target = resolved.internalStatus;
    attention = resolved.mapping?.attention ?? false;
    outcome = resolved.mapping === null ? 'unmapped' : target === null ? 'info' : 'applied';
    if (resolved.mapping === null) reason = `no mapping row for ${mappingSourceOf(event.source)} code ${describeCode(event)}`;
  } else {
    target = null;
    outcome = 'info';
  }

  const fromStatus = created ? null : order.status;
  // A time of ours is never older than a peer's status dated a little ahead by its clock (within the skew
  // boundEventTime allows): the event that arrived later wins.
  const stale = !created && event.eventAt !== undefined && order.statusEventAt !== null && eventAt < order.statusEventAt;
  if (target !== null) {
    if (stale && !event.override) {
      outcome = 'stale';
      reason = `event time ${eventAt.toISOString()} is older than the last applied status (${order.statusEventAt!.toISOString()})`;
    } else if (!created && target === order.status) {
      outcome = 'unchanged';
    } else if (!created) {
      const verdict = checkTransition(order.status, target);
      if (!verdict.allowed && !event.override) {
        outcome = 'rejected';
        reason = verdict.reason;
      }
    }
  }

  const statusChanged = outcome === 'applied';
  if (statusChanged) {
    order.status = target!;
    order.statusSource = event.source;
    order.sourceStatus = event.externalCode ?? null;
    order.sourceSubstatus = event.externalSubstatus ?? null;
  }
  if (statusChanged || outcome === 'unchanged') {
    if (!order.statusEventAt || eventAt > order.statusEventAt) order.statusEventAt = eventAt;
  }
  if (!stale) {
    if (event.trackingNumber !== undefined) order.trackingNumber = event.trackingNumber;
    if (event.trackingUrl !== undefined) order.trackingUrl = event.trackingUrl;
    if (event.items !== undefined) order.items = event.items;
    if (event.cancellationRequestedAt !== undefined) order.cancellationRequestedAt = event.cancellationRequestedAt;
  }
  const history: HistoryRow = {
    source: event.source,
    dedupeKey: event.dedupeKey ?? null,
    outcome,
    fromStatus,
    toStatus: target,
    externalCode: event.externalCode ?? null,
    externalSubstatus: event.externalSubstatus ?? null,
    eventAt,
    note: cutToColumn([event.override && statusChanged ? 'admin override' : undefined, reason, event.note].filter(Boolean).join('; '), NOTE_COLUMN),
    payload: event.payload === undefined || event.payload === null ? null : JSON.stringify(event.payload),
  };
  return { order, history, result: { duplicate: false, created, outcome, statusChanged, order, fromStatus, reason, attention } };
}

/** The keys an identity names its order by: two events sharing one are about the same order. */
export function identityKeys(identity: OrderIdentity): string[] {
  const keys: string[] = [];
  if (identity.id) keys.push(`id:${identity.id}`);
  if (identity.market) keys.push(`market:${identity.market.campaignId}:${identity.market.orderId}`);
  if (identity.imshopUuid) keys.push(`imshop:${identity.imshopUuid}`);
  if (identity.omsOrderNumber) keys.push(`oms:${identity.omsOrderNumber}`);
  return keys;
}

/**
 * Splits events into the ones applied in this round and the ones that wait for a later one: an event waits
 * when it shares an identity with one in the round or with one that waits (else it could overtake it).
 */
export function splitRound<T extends { event: StatusEvent }>(pending: T[]): { round: T[]; later: T[] } {
  const round: T[] = [];
  const later: T[] = [];
  const taken = new Set<string>();
  for (const entry of pending) {
    const keys = identityKeys(entry.event.identity);
    (keys.some((key) => taken.has(key)) ? later : round).push(entry);
    keys.forEach((key) => taken.add(key));
  }
  return { round, later };
}

function newOrder(identity: OrderIdentity): Order {
  return Object.assign(new Order(), {
    omsOrderNumber: identity.omsOrderNumber ?? null,
    imshopUuid: identity.imshopUuid ?? null,
    marketCampaignId: identity.market?.campaignId ?? null,
    marketOrderId: identity.market?.orderId ?? null,
    status: 'UNKNOWN',
    statusSource: null,
    sourceStatus: null,
    sourceSubstatus: null,
    statusEventAt: null,
    trackingNumber: null,
    trackingUrl: null,
    items: [],
    cancellationRequestedAt: null,
  } satisfies Partial<Order>);
}

/** An event may teach us another identity of a known order (Market's id of an OMS order, say). */
function mergeIdentity(order: Order, identity: OrderIdentity): Order {
  order.omsOrderNumber ??= identity.omsOrderNumber ?? null;
  order.imshopUuid ??= identity.imshopUuid ?? null;
  if (order.marketOrderId === null && identity.market) {
    order.marketCampaignId = identity.market.campaignId;
    order.marketOrderId = identity.market.orderId;
  }
  return order;
}

function describeCode(event: StatusEvent): string {
  return [event.ticketType, event.externalCode, event.externalSubstatus].filter(Boolean).join('/');
}
