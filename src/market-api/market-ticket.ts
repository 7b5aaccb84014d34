import { lineTotal, money, round2, type MarketAddress, type MarketBusinessOrder, type MarketDelivery } from './market-business-order';

/** `OrderBuyerInfoDTO` of `GET …/buyer`. */
export interface MarketBuyer {
  firstName?: string;
  middleName?: string;
  lastName?: string;
  phone?: string;
}

export interface PrepareTicketInput {
  omsOrderNumber: string;
  storeId: string;
  marketOrderId: string;
  order: MarketBusinessOrder;
  buyer: MarketBuyer | null;
}

/**
 * The IMSHOP `prepare` ticket (`POST` to IMSHOP's ticket API) for a Market order: buyer (when Market gave a name
 * and a phone), cart with prices, delivery and payment from the fetched details. Shape: our `CreateTicketDto`.
 */
export function buildPrepareTicket(input: PrepareTicketInput): Record<string, unknown> {
  const { order } = input;
  const cart = (order.items ?? [])
    .filter((item) => typeof item.offerId === 'string' && item.offerId.trim() !== '' && typeof item.count === 'number' && item.count > 0)
    .map((item) => {
      const total = lineTotal(item);
      return { configurationId: item.offerId!.trim(), quantity: item.count!, price: round2(total / item.count!), subtotal: total };
    });
  const itemsTotal = round2(cart.reduce((sum, line) => sum + line.subtotal, 0));
  const deliveryPrice = round2(money(order.prices?.delivery?.payment));
  const ticket: Record<string, unknown> = {
    type: 'prepare',
    orderId: input.omsOrderNumber,
    storeId: input.storeId,
    cart,
    price: itemsTotal,
    deliveryPrice,
    finalPrice: round2(itemsTotal + deliveryPrice),
    payment: { paid: order.paymentType === 'PREPAID', ...(order.paymentMethod ? { method: order.paymentMethod.slice(0, 64) } : {}) },
    comment: [`Заказ Яндекс Маркета ${input.marketOrderId}`, order.notes?.trim() ? `Комментарий покупателя: ${order.notes.trim()}` : null]
      .filter(Boolean)
      .join('. ')
      .slice(0, 4000),
  };
  const buyer = ticketBuyer(input.buyer);
  if (buyer) ticket.buyer = buyer;
  const delivery = ticketDelivery(order.delivery);
  if (delivery) ticket.delivery = delivery;
  return ticket;
}

function ticketBuyer(buyer: MarketBuyer | null): { name: string; phone: string } | null {
  if (!buyer) return null;
  const name = [buyer.firstName, buyer.middleName, buyer.lastName]
    .filter((part) => typeof part === 'string' && part.trim())
    .join(' ')
    .slice(0, 255);
  const phone = typeof buyer.phone === 'string' ? buyer.phone.trim() : '';
  if (!name || !/^\+?[\d\s()-]{5,32}$/.test(phone)) return null;
  return { name, phone };
}

/**
 * Market's delivery as IMSHOP's: courier and post → `regular` (provider: the delivery service), pickup → `store`
 * (the outlet's address), anything else → `custom` with Market's type.
 */
function ticketDelivery(delivery?: MarketDelivery): Record<string, unknown> | null {
  if (!delivery?.type) return null;
  const provider = (delivery.serviceName?.trim() || (delivery.deliveryServiceId !== undefined ? `market-${delivery.deliveryServiceId}` : 'market')).slice(
    0,
    255,
  );
  const place = delivery.type === 'PICKUP' ? delivery.pickup : delivery.courier;
  const address = ticketAddress(place?.address, place?.region?.name);
  const base: Record<string, unknown> =
    delivery.type === 'DELIVERY' || delivery.type === 'POST'
      ? { type: 'regular', provider }
      : delivery.type === 'PICKUP'
        ? { type: 'store', provider }
        : { type: 'custom', customType: delivery.type.slice(0, 255), provider };
  if (address) base.address = address;
  return base;
}

function ticketAddress(address?: MarketAddress, region?: string): Record<string, string> | null {
  if (!address) return null;
  const out: Record<string, string> = {};
  const put = (key: string, value: unknown, max: number) => {
    if (typeof value === 'string' && value.trim()) out[key] = value.trim().slice(0, max);
  };
  put('region', region, 255);
  put('city', address.city, 255);
  put('postalCode', address.postcode, 32);
  put('street', address.street, 255);
  put('house', address.house, 64);
  put('block', address.block, 64);
  put('apt', address.apartment, 64);
  return Object.keys(out).length ? out : null;
}
