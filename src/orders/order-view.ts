import type { OrderStatus } from './order-status';

/** One line of an order, in the one shape every path writes (Market's notifications and details, the pull). */
export interface OrderItem {
  /** The retailer's SKU (Market's offerId). */
  sku: string;
  name: string | null;
  count: number;
  /** What the buyer pays for one unit, when a source said (Market's details); null otherwise. */
  price: number | null;
  /** What the buyer pays for the line, when a source said. */
  total: number | null;
}

/**
 * Items as stored: rows written before the one shape (`{offerId, count}`, `{offerId, name, count}`, or with Market's
 * line prices beside) read as OrderItem, so no reader meets another shape and no migration rewrites the table.
 */
export function orderItemsOf(stored: unknown): OrderItem[] {
  if (!Array.isArray(stored)) return [];
  return stored.map((raw: Record<string, unknown> | null) => {
    const item = raw ?? {};
    const sku = typeof item.sku === 'string' ? item.sku : typeof item.offerId === 'string' ? item.offerId : '';
    const number = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
    return {
      sku,
      name: typeof item.name === 'string' ? item.name : null,
      count: number(item.count) ?? 1,
      price: number(item.price),
      total: number(item.total),
    };
  });
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
