import { describe, expect, it } from '@jest/globals';
import { marketStepsTo, type MarketStep } from './market-targets';

const STARTED: MarketStep = { status: 'PROCESSING', substatus: 'STARTED' };
const READY: MarketStep = { status: 'PROCESSING', substatus: 'READY_TO_SHIP' };
const DELIVERY: MarketStep = { status: 'DELIVERY', substatus: null };
const PICKUP: MarketStep = { status: 'PICKUP', substatus: null };
const DELIVERED: MarketStep = { status: 'DELIVERED', substatus: null };
const CANCELLED: MarketStep = { status: 'CANCELLED', substatus: 'SHOP_FAILED' };

describe("marketStepsTo: Market's DBS path", () => {
  it('sends the next step alone', () => {
    expect(marketStepsTo([STARTED], READY)).toEqual([READY]);
    expect(marketStepsTo([READY], DELIVERY)).toEqual([DELIVERY]);
    expect(marketStepsTo([READY, DELIVERY], DELIVERED)).toEqual([DELIVERED]);
    expect(marketStepsTo([READY, DELIVERY, PICKUP], DELIVERED)).toEqual([DELIVERED]);
  });

  it('fills the steps Market requires and has not had', () => {
    expect(marketStepsTo([], DELIVERY)).toEqual([READY, DELIVERY]);
    expect(marketStepsTo([STARTED], DELIVERED)).toEqual([READY, DELIVERY, DELIVERED]);
    expect(marketStepsTo([READY], PICKUP)).toEqual([DELIVERY, PICKUP]);
    // PICKUP is for pickup points only: DELIVERED after DELIVERY needs no PICKUP.
    expect(marketStepsTo([DELIVERY], DELIVERED)).toEqual([DELIVERED]);
  });

  it('goes by the furthest step the order reached, whatever came between', () => {
    expect(marketStepsTo([DELIVERY, READY], DELIVERED)).toEqual([DELIVERED]);
  });

  it('sends a cancellation, a repeat or a step back as asked: Market judges it', () => {
    expect(marketStepsTo([STARTED], CANCELLED)).toEqual([CANCELLED]);
    expect(marketStepsTo([READY, DELIVERY], READY)).toEqual([READY]);
    expect(marketStepsTo([DELIVERY], DELIVERY)).toEqual([DELIVERY]);
  });
});
