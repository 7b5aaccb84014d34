import type { OrderStatus } from '../orders/order-status';
import type { MarketCancellationReason } from './market-api.client';

/** The source of changes we make because of Market's own answers (a cancellation we accepted, fetched details). */
export const MARKET_API_SOURCE = 'market_api';

/** Changes Market already knows about: pushing them back would only echo. */
export const MARKET_SOURCES = new Set(['market', 'market_poll', MARKET_API_SOURCE]);

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
