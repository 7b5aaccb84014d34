import { describe, expect, it } from '@jest/globals';
import { CreateTicketDto } from '../imshop-tickets/dto/create-ticket.dto';
import { validateDto } from '../common/validate-dto';
import { marketOutboundProblems } from '../status-mapping/market-outbound-rules';
import { cancellationAnswer } from './market-targets';
import { orderItemsFromMarket, type MarketBusinessOrder } from './market-business-order';
import { buildPrepareTicket } from './market-ticket';

const rub = (value: number) => ({ value, currencyId: 'RUR' });
const order: MarketBusinessOrder = {
  paymentType: 'POSTPAID',
  paymentMethod: 'CARD_ON_DELIVERY',
  items: [
    { id: 1, offerId: ' SKU-1 ', offerName: 'Чайник', count: 3, prices: { payment: rub(2999.97), cashback: rub(0.03) } },
    { id: 2, offerId: 'SKU-2', count: 0, prices: { payment: rub(10) } },
  ],
  prices: { delivery: { payment: rub(0) } },
  delivery: {
    type: 'PICKUP',
    serviceName: '',
    deliveryServiceId: 42,
    pickup: { address: { city: 'Казань', street: 'Баумана', house: '1' }, region: { name: 'Татарстан' } },
  },
};

describe('prepare ticket from Market details', () => {
  it('builds a body our CreateTicketDto (IMSHOP’s ticket API) accepts, with unit prices from line totals', () => {
    const body = buildPrepareTicket({
      omsOrderNumber: 'YM-1',
      storeId: '16',
      marketOrderId: '1',
      order,
      buyer: { firstName: 'Анна', phone: '+7 (999) 000-11-22' },
    });
    expect(validateDto(CreateTicketDto, body)).toEqual(expect.objectContaining({ ok: true }));
    expect(body.cart).toEqual([{ configurationId: 'SKU-1', quantity: 3, price: 1000, subtotal: 3000 }]);
    expect(body.payment).toEqual({ paid: false, method: 'CARD_ON_DELIVERY' });
    expect(body.buyer).toEqual({ name: 'Анна', phone: '+7 (999) 000-11-22' });
    expect(body.delivery).toEqual({ type: 'store', provider: 'market-42', address: { region: 'Татарстан', city: 'Казань', street: 'Баумана', house: '1' } });
  });

  it('leaves the buyer out without a usable phone, and maps unknown delivery types to custom', () => {
    const body = buildPrepareTicket({
      omsOrderNumber: 'YM-2',
      storeId: '16',
      marketOrderId: '2',
      order: { ...order, delivery: { type: 'DIGITAL', serviceName: 'Market' } },
      buyer: { firstName: 'Анна', phone: 'hidden' },
    });
    expect(body.buyer).toBeUndefined();
    expect(body.delivery).toEqual({ type: 'custom', customType: 'DIGITAL', provider: 'Market' });
    expect(validateDto(CreateTicketDto, body)).toEqual(expect.objectContaining({ ok: true }));
  });

  it('writes order items in the one item shape, with a unit price and the line total', () => {
    expect(orderItemsFromMarket(order.items)[0]).toEqual({ sku: ' SKU-1 ', name: 'Чайник', count: 3, price: 1000, total: 3000 });
  });
});

describe('buyer cancellation answer', () => {
  it('accepts before shipping and refuses with Market’s reason after', () => {
    expect(cancellationAnswer('PROCESSING')).toEqual({ accepted: true });
    expect(cancellationAnswer('READY_TO_SHIP')).toEqual({ accepted: true });
    expect(cancellationAnswer('SHIPPED')).toEqual({ accepted: false, reason: 'ORDER_IN_DELIVERY' });
    expect(cancellationAnswer('READY_FOR_PICKUP')).toEqual({ accepted: false, reason: 'ORDER_IN_DELIVERY' });
    expect(cancellationAnswer('DELIVERED')).toEqual({ accepted: false, reason: 'ORDER_DELIVERED' });
  });
});

describe('outbound market rows', () => {
  it('allow only what a DBS shop may set', () => {
    expect(marketOutboundProblems('PROCESSING', 'READY_TO_SHIP')).toEqual([]);
    expect(marketOutboundProblems('CANCELLED', 'SHOP_FAILED')).toEqual([]);
    expect(marketOutboundProblems('DELIVERY', null)).toEqual([]);
    expect(marketOutboundProblems('PROCESSING', null)).toHaveLength(1);
    expect(marketOutboundProblems('CANCELLED', 'USER_NOT_PAID')).toHaveLength(1);
    expect(marketOutboundProblems('UNPAID', null)).toHaveLength(1);
  });
});
