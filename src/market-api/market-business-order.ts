import type { OrderItem } from '../orders/order-view';

/**
 * Market's order as `POST v1/businesses/{businessId}/orders` (getBusinessOrders) answers it (`BusinessOrderDTO`):
 * the parts order-sync uses, and the one place its answer is read (the detail fetch and the reconciliation pull
 * both take orders from here). Fields Market leaves out stay out; ids are kept as Market wrote them (the lossless
 * parser gives a digit string for an int64 above 2^53). Tolerant: everything optional, unknown fields ignored.
 */
export interface MarketBusinessOrder {
  orderId?: string | number;
  campaignId?: string | number;
  status?: string;
  substatus?: string;
  /** When Market last changed the order (`updateDate`; older answers: `updatedAt`), and when it was made. */
  updateDate?: string;
  updatedAt?: string;
  creationDate?: string;
  paymentType?: string;
  paymentMethod?: string;
  fake?: boolean;
  notes?: string;
  items?: MarketBusinessOrderItem[];
  prices?: { payment?: Money; subsidy?: Money; cashback?: Money; delivery?: { payment?: Money; subsidy?: Money } };
  delivery?: MarketDelivery;
}

export interface Money {
  value?: number;
  currencyId?: string;
}

export interface MarketBusinessOrderItem {
  id?: string | number;
  offerId?: string;
  offerName?: string;
  count?: number;
  prices?: { payment?: Money; subsidy?: Money; cashback?: Money };
}

export interface MarketAddress {
  country?: string;
  postcode?: string;
  city?: string;
  district?: string;
  street?: string;
  house?: string;
  block?: string;
  apartment?: string;
}

export interface MarketDelivery {
  type?: string;
  serviceName?: string;
  deliveryServiceId?: string | number;
  courier?: { address?: MarketAddress; region?: { name?: string } };
  pickup?: { address?: MarketAddress; region?: { name?: string }; outletCode?: string };
  dates?: { fromDate?: string; toDate?: string; fromTime?: string; toTime?: string };
}

/** A page of getBusinessOrders: its orders, and the token of the next page (null on the last one). */
export interface MarketBusinessOrderPage {
  orders: MarketBusinessOrder[];
  nextPageToken: string | null;
}

/** Reads getBusinessOrders' answer; null when it has no list of orders (an error page, say). */
export function parseBusinessOrders(body: unknown): MarketBusinessOrderPage | null {
  const page = body as { orders?: unknown; paging?: { nextPageToken?: unknown } } | null;
  if (!page || typeof page !== 'object' || !Array.isArray(page.orders)) return null;
  const orders = page.orders.filter((order): order is MarketBusinessOrder => order !== null && typeof order === 'object');
  const token = page.paging?.nextPageToken;
  return { orders, nextPageToken: typeof token === 'string' && token ? token : null };
}

/** An int64 id of Market's as our digit string, or null when it is not one. */
export function marketIdOf(value: unknown): string | null {
  const text = typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : '') : typeof value === 'string' ? value : '';
  return /^[1-9]\d{0,18}$/.test(text) ? text : null;
}

export const money = (m?: Money): number => (typeof m?.value === 'number' && Number.isFinite(m.value) ? m.value : 0);
export const round2 = (n: number): number => Math.round(n * 100) / 100;

/**
 * What the buyer pays for a line: `payment + cashback` (Market: "стоимость всех единиц товара складывается из
 * payment и cashback"; both are totals over the line's units).
 */
export function lineTotal(item: MarketBusinessOrderItem): number {
  return round2(money(item.prices?.payment) + money(item.prices?.cashback));
}

/** Market's lines as the order's items, in the one item shape (the line prices stay in the stored details). */
export function orderItemsFromMarket(items: MarketBusinessOrderItem[] = []): OrderItem[] {
  return items
    .filter((item) => typeof item.offerId === 'string' && item.offerId.trim() !== '')
    .map((item) => {
      const count = typeof item.count === 'number' && item.count > 0 ? item.count : 1;
      const known = item.prices !== undefined;
      return {
        sku: item.offerId!,
        name: typeof item.offerName === 'string' ? item.offerName : null,
        count,
        price: known ? round2(lineTotal(item) / count) : null,
        total: known ? lineTotal(item) : null,
      };
    });
}
