/**
 * What the tests of the Market loop share: the keys the fakes expect, the app's environment with Market's partner
 * API and IMSHOP's tickets pointed at the fakes, a timeline of fresh order ids and event times, and Market's order.
 */

export const MARKET_KEY = 'market-api-key-0123456789';
export const IMSHOP_KEY = 'imshop-test-key-0123456789';
export const STORE = '1456';
export const BUSINESS = '675789';

/** The app's environment for a Market loop against these fakes; `tuning` sets the delivery timings a test waits on. */
export function marketLoopEnv(market: { url: string }, imshop: { url: string }, tuning: Record<string, string> = {}): Record<string, string> {
  return {
    MARKET_API_URL: market.url,
    MARKET_API_KEY: MARKET_KEY,
    IMSHOP_API_KEY: IMSHOP_KEY,
    IMSHOP_TICKETS_URL: `${imshop.url}/tickets`,
    MARKET_ALLOWED_CIDRS: '*',
    ...tuning,
  };
}

/**
 * Order ids no other test file uses (from `idBase` on, shifted at random) and event times one second apart, so
 * each notification is newer than the one before it.
 */
export function marketTimeline(idBase: number) {
  let clock = Date.parse('2026-11-24T10:00:00+03:00');
  let nextId = idBase + Math.floor(Math.random() * 1_000_000);
  return {
    newOrderId: () => String(++nextId),
    /** The next event time, ISO 8601 (Market's notifications). */
    at: () => new Date((clock += 1000)).toISOString(),
    /** The next event time in unix seconds, as a string (IMSHOP's `metadata.timestamp`). */
    unixSeconds: () => String(Math.floor((clock += 1000) / 1000)),
  };
}

/** The Market order as `POST v1/businesses/{businessId}/orders` returns it (valid per `BusinessOrderDTO`). */
export function businessOrder(campaignId: string, orderId: string) {
  return {
    orderId: Number(orderId),
    campaignId: Number(campaignId),
    programType: 'DBS',
    status: 'PROCESSING',
    substatus: 'STARTED',
    creationDate: '2026-11-24T10:00:00+03:00',
    paymentType: 'PREPAID',
    paymentMethod: 'YANDEX',
    fake: false,
    items: [
      {
        id: 1001,
        offerId: 'SKU-RED-42',
        offerName: 'Кроссовки красные, 42',
        count: 2,
        prices: { payment: { value: 9000, currencyId: 'RUR' }, cashback: { value: 998, currencyId: 'RUR' }, subsidy: { value: 500, currencyId: 'RUR' } },
      },
      { id: 1002, offerId: 'SKU-SOCKS', offerName: 'Носки', count: 1, prices: { payment: { value: 490, currencyId: 'RUR' } } },
    ],
    prices: {
      payment: { value: 9840, currencyId: 'RUR' },
      cashback: { value: 998, currencyId: 'RUR' },
      delivery: { payment: { value: 350, currencyId: 'RUR' } },
    },
    delivery: {
      type: 'DELIVERY',
      serviceName: 'Своя курьерская служба',
      deliveryServiceId: 99,
      deliveryPartnerType: 'SHOP',
      dates: { fromDate: '2026-11-26', toDate: '2026-11-27', fromTime: '10:00', toTime: '18:00' },
      courier: {
        address: { country: 'Россия', postcode: '125080', city: 'Москва', street: 'Волоколамское шоссе', house: '2', apartment: '15' },
        region: { id: 213, name: 'Москва', type: 'CITY' },
      },
    },
    notes: 'Позвонить за час',
  };
}
