import type { OrderSource } from '../orders/order-source';
import { RETRY_SCHEDULE_MS } from '../outbox/backoff';
import type { OrderStatus } from '../orders/order-status';
import type { MarketCancellationReason } from './market-api.client';

/**
 * The retry schedule of the loop's deliveries: the documented one (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, …). Market's
 * rate limit says how long to wait (420 with X-RateLimit-Resource-Until, honoured over a shorter step), and a buyer's
 * cancellation request must be answered within 48 h: eight attempts take about 28 h.
 */
export const MARKET_RETRY_SCHEDULE_MS = RETRY_SCHEDULE_MS;

/** The source of the Market loop's own writes to an order (a cancellation we accepted, fetched details, the OMS number). */
export const MARKET_API_SOURCE: OrderSource = 'market_api';

/**
 * Outbox targets. One per kind of work, because the outbox supersedes a delivery by a newer one of the same
 * order and target: a status push must never cancel a pending detail fetch or cancellation answer.
 */
export const MARKET_TARGETS = {
  status: 'market',
  cancellation: 'market_cancel',
  details: 'market_fetch',
  ticket: 'imshop_prepare',
  withdraw: 'imshop_withdraw',
} as const;
export type MarketTarget = (typeof MARKET_TARGETS)[keyof typeof MARKET_TARGETS];

declare module '../outbox/delivery-targets' {
  interface DeliveryPayloads {
    /** Our status change to Market (updateOrderStatus). */
    market: StatusPushPayload;
    /** The answer to a buyer's cancellation request (acceptOrderCancellation). */
    market_cancel: CancellationPayload;
    /** The fetch of a new order's details (getBusinessOrders). */
    market_fetch: DetailsPayload;
    /** A prepare ticket in the campaign's IMSHOP store. */
    imshop_prepare: TicketPayload;
    /** The withdrawal of a cancelled order's open tickets. */
    imshop_withdraw: WithdrawPayload;
  }
}

export interface OrderRef {
  /** Our order id. */
  order: string;
  campaignId: string;
  orderId: string;
}
export interface StatusPushPayload {
  campaignId: string;
  orderId: string;
  status: string;
  substatus: string | null;
}
export interface CancellationPayload extends OrderRef {
  accepted: boolean;
  reason?: MarketCancellationReason;
  /** Internal status when the request arrived (the reason for the answer). */
  orderStatus: OrderStatus;
  historyId: string;
}
export interface DetailsPayload extends OrderRef {
  businessId: string;
}
export type TicketPayload = OrderRef;
export interface WithdrawPayload {
  order: string;
  omsOrderNumber: string;
  reason: string;
}

/** Withdrawing a cancelled order's open tickets (a cancel ticket each). */
export function withdrawalOf(orderId: string, omsOrderNumber: string): WithdrawPayload {
  return { order: orderId, omsOrderNumber, reason: 'Заказ отменён на Яндекс Маркете' };
}

/** Internal statuses at which a buyer's cancellation is refused, and the reason Market passes on to the buyer. */
const REFUSE_CANCELLATION: Partial<Record<OrderStatus, MarketCancellationReason>> = {
  SHIPPED: 'ORDER_IN_DELIVERY',
  PARTIALLY_SHIPPED: 'ORDER_IN_DELIVERY',
  READY_FOR_PICKUP: 'ORDER_IN_DELIVERY',
  DELIVERED: 'ORDER_DELIVERED',
  PARTIALLY_DELIVERED: 'ORDER_DELIVERED',
  NOT_REDEEMED: 'ORDER_DELIVERED',
  RETURNED: 'ORDER_DELIVERED',
  PARTIALLY_RETURNED: 'ORDER_DELIVERED',
};

export function cancellationAnswer(status: OrderStatus): { accepted: true } | { accepted: false; reason: MarketCancellationReason } {
  const reason = REFUSE_CANCELLATION[status];
  return reason ? { accepted: false, reason } : { accepted: true };
}

/** A status a shop sends to Market (`PUT …/status`). */
export interface MarketStep {
  status: string;
  substatus: string | null;
}

const READY_TO_SHIP: MarketStep = { status: 'PROCESSING', substatus: 'READY_TO_SHIP' };
const DELIVERY: MarketStep = { status: 'DELIVERY', substatus: null };

/**
 * Where a step stands in Market's DBS status model (partner API, updateOrderStatus; "Как изменяются статусы
 * заказов"): PROCESSING/STARTED (Market's own, once the order is confirmed) → PROCESSING/READY_TO_SHIP →
 * DELIVERY → PICKUP (pickup points only) → DELIVERED. CANCELLED is not on the path: it is allowed from any
 * step before delivery, and needs none.
 */
function rankOf(step: MarketStep): number | undefined {
  switch (step.status) {
    case 'PROCESSING':
      return step.substatus === 'READY_TO_SHIP' ? 1 : 0;
    case 'DELIVERY':
      return 2;
    case 'PICKUP':
      return 3;
    case 'DELIVERED':
      return 4;
    default:
      return undefined;
  }
}

/**
 * The steps that take Market to `to`, given the steps it has had (`reached`: the Market steps of the statuses
 * the order went through, whoever moved it there: Market itself, or our pushes): the steps Market requires that
 * the furthest of them does not cover, then `to` itself. Market refuses a step that skips one (DELIVERY without
 * READY_TO_SHIP, DELIVERED without DELIVERY), so an order that jumps ahead here (the store ships without saying it
 * is ready) walks the path there. A step back or sideways is sent as asked: Market judges it.
 */
export function marketStepsTo(reached: MarketStep[], to: MarketStep): MarketStep[] {
  const target = rankOf(to);
  const start = Math.max(0, ...reached.map((step) => rankOf(step) ?? 0));
  if (target === undefined || target <= start) return [to];
  const missing: MarketStep[] = [];
  if (target >= 2 && start < 1) missing.push(READY_TO_SHIP);
  if (target >= 3 && start < 2) missing.push(DELIVERY);
  return [...missing, to];
}
