import type { OrderStatus } from './order-status';

export interface OrderItem {
  sku?: string;
  name?: string;
  count?: number;
  price?: number;
  [extra: string]: unknown;
}

/**
 * An order as other modules read it: what OrdersService answers, the `order.changed` and `order.details`
 * channels carry. The entity (its table mapping) stays the orders module's own; it implements this.
 */
export interface OrderView {
  readonly id: string;
  readonly omsOrderNumber: string | null;
  readonly imshopUuid: string | null;
  /** int64 ids are kept as strings end to end so they are never rounded. */
  readonly marketCampaignId: string | null;
  readonly marketOrderId: string | null;
  readonly status: OrderStatus;
  /** Which source set the current status (market, imshop_ticket, oms, admin, ...). */
  readonly statusSource: string | null;
  readonly sourceStatus: string | null;
  readonly sourceSubstatus: string | null;
  /** Event time of the last applied status: an older event never moves the order. */
  readonly statusEventAt: Date | null;
  readonly trackingNumber: string | null;
  readonly trackingUrl: string | null;
  readonly items: readonly OrderItem[];
  /** The buyer asked to cancel (Market's ORDER_CANCELLATION_REQUEST); the order is not cancelled by it. */
  readonly cancellationRequestedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly version: number;
}
