import { describe, expect, it } from '@jest/globals';
import type { InboundResolution } from '../status-mapping/status-mapping.service';
import { decideStatusEvent, identityKeys, needsMapping, splitRound } from './order-decision';
import type { OrderStatus } from './order-status';
import { Order } from './order.entity';
import type { StatusEvent } from './status-event';

const NOW = new Date('2026-11-24T12:00:00Z');
const at = (iso: string) => new Date(iso);

function existing(fields: Partial<Order> = {}): Order {
  return Object.assign(new Order(), {
    id: '00000000-0000-4000-8000-000000000001',
    omsOrderNumber: 'YM-1',
    imshopUuid: null,
    marketCampaignId: null,
    marketOrderId: null,
    status: 'PROCESSING',
    statusSource: 'oms',
    sourceStatus: 'processing',
    sourceSubstatus: null,
    statusEventAt: at('2026-11-24T10:00:00Z'),
    trackingNumber: null,
    trackingUrl: null,
    items: [],
    cancellationRequestedAt: null,
    version: 3,
    ...fields,
  } satisfies Partial<Order>);
}

const mapped = (internalStatus: OrderStatus | null, attention = false) => ({
  mapping: { internalStatus, attention } as NonNullable<InboundResolution['mapping']>,
  internalStatus,
});
const unmapped = { mapping: null, internalStatus: null };
const oms = (fields: Partial<StatusEvent> = {}): StatusEvent => ({ source: 'oms', identity: { omsOrderNumber: 'YM-1' }, ...fields });

describe('decideStatusEvent: what an event does to its order', () => {
  it('creates an order with its first status, and the history row says where it came from', () => {
    const { order, history, result } = decideStatusEvent(
      oms({ externalCode: 'packed', dedupeKey: 'oms:1', payload: { code: 'packed' }, note: 'from the OMS' }),
      null,
      { now: NOW, mapping: mapped('READY_TO_SHIP') },
    );
    expect(result).toEqual(
      expect.objectContaining({ created: true, duplicate: false, outcome: 'applied', statusChanged: true, fromStatus: null, attention: false }),
    );
    expect(order.id).toBeUndefined();
    expect(order).toEqual(
      expect.objectContaining({ omsOrderNumber: 'YM-1', status: 'READY_TO_SHIP', statusSource: 'oms', sourceStatus: 'packed', statusEventAt: NOW }),
    );
    expect(history).toEqual({
      source: 'oms',
      dedupeKey: 'oms:1',
      outcome: 'applied',
      fromStatus: null,
      toStatus: 'READY_TO_SHIP',
      externalCode: 'packed',
      externalSubstatus: null,
      eventAt: NOW,
      note: 'from the OMS',
      payload: '{"code":"packed"}',
    });
  });

  it('moves a known order forward and keeps its clock at the latest event time', () => {
    const order = existing();
    const { result, history } = decideStatusEvent(oms({ externalCode: 'shipped', eventAt: at('2026-11-24T11:00:00Z') }), order, {
      now: NOW,
      mapping: mapped('SHIPPED'),
    });
    expect(result).toEqual(expect.objectContaining({ created: false, outcome: 'applied', statusChanged: true, fromStatus: 'PROCESSING' }));
    expect(result.order).toBe(order);
    expect(order.status).toBe('SHIPPED');
    expect(order.statusEventAt).toEqual(at('2026-11-24T11:00:00Z'));
    expect(history.fromStatus).toBe('PROCESSING');
  });

  it('keeps an older event in history as stale, with the reason, and ignores its tracking', () => {
    const order = existing({ status: 'SHIPPED', trackingNumber: 'T-NEW' });
    const { result, history } = decideStatusEvent(oms({ externalCode: 'packed', eventAt: at('2026-11-24T09:00:00Z'), trackingNumber: 'T-OLD' }), order, {
      now: NOW,
      mapping: mapped('READY_TO_SHIP'),
    });
    expect(result.outcome).toBe('stale');
    expect(result.statusChanged).toBe(false);
    expect(result.reason).toBe('event time 2026-11-24T09:00:00.000Z is older than the last applied status (2026-11-24T10:00:00.000Z)');
    expect(order).toEqual(expect.objectContaining({ status: 'SHIPPED', trackingNumber: 'T-NEW', statusEventAt: at('2026-11-24T10:00:00Z') }));
    expect(history).toEqual(expect.objectContaining({ outcome: 'stale', toStatus: 'READY_TO_SHIP', note: result.reason }));
  });

  it('never finds an event without a time of its own stale: it happened as it arrived', () => {
    const order = existing({ statusEventAt: at('2026-11-24T12:00:01Z') }); // a peer's clock a little ahead
    const { result } = decideStatusEvent(oms({ internalStatus: 'SHIPPED' }), order, { now: NOW });
    expect(result.outcome).toBe('applied');
    expect(order.statusEventAt).toEqual(at('2026-11-24T12:00:01Z'));
  });

  it('refuses what the state machine refuses, unless an admin overrides it (recorded as such)', () => {
    const refused = decideStatusEvent(oms({ internalStatus: 'PROCESSING' }), existing({ status: 'DELIVERED' }), { now: NOW });
    expect(refused.result).toEqual(expect.objectContaining({ outcome: 'rejected', statusChanged: false, reason: 'DELIVERED cannot go back to PROCESSING' }));
    expect(refused.order.status).toBe('DELIVERED');
    expect(refused.history.note).toBe('DELIVERED cannot go back to PROCESSING');

    const overridden = decideStatusEvent(
      { source: 'admin', identity: { id: 'x' }, internalStatus: 'PROCESSING', override: true, note: 'ops: buyer came back' },
      existing({ status: 'DELIVERED' }),
      { now: NOW },
    );
    expect(overridden.result).toEqual(expect.objectContaining({ outcome: 'applied', statusChanged: true, fromStatus: 'DELIVERED' }));
    expect(overridden.history.note).toBe('admin override; ops: buyer came back');
  });

  it('an override also applies an event older than the last status', () => {
    const { result } = decideStatusEvent(
      { source: 'admin', identity: { id: 'x' }, internalStatus: 'SHIPPED', override: true, eventAt: at('2026-11-24T09:00:00Z') },
      existing(),
      { now: NOW },
    );
    expect(result.outcome).toBe('applied');
  });

  it('records the same status again as unchanged, advancing the clock only forward', () => {
    const order = existing();
    const { result } = decideStatusEvent(oms({ externalCode: 'processing', eventAt: at('2026-11-24T11:30:00Z') }), order, {
      now: NOW,
      mapping: mapped('PROCESSING'),
    });
    expect(result).toEqual(expect.objectContaining({ outcome: 'unchanged', statusChanged: false }));
    expect(order.statusEventAt).toEqual(at('2026-11-24T11:30:00Z'));
  });

  it('keeps a code with no mapping row as unmapped, naming the code', () => {
    const { result, history } = decideStatusEvent(
      { source: 'market_poll', identity: { market: { campaignId: '1', orderId: '2' } }, externalCode: 'TELEPORTED', externalSubstatus: 'VIA_WORMHOLE' },
      null,
      { now: NOW, mapping: unmapped },
    );
    expect(result).toEqual(
      expect.objectContaining({ outcome: 'unmapped', statusChanged: false, reason: 'no mapping row for market code TELEPORTED/VIA_WORMHOLE' }),
    );
    expect(result.order.status).toBe('UNKNOWN');
    expect(history).toEqual(expect.objectContaining({ source: 'market_poll', toStatus: null, externalCode: 'TELEPORTED', externalSubstatus: 'VIA_WORMHOLE' }));
  });

  it('a "no change" row (or an event without a status) is info, and may still carry attention and items', () => {
    const order = existing();
    const { result } = decideStatusEvent(
      { source: 'imshop_ticket', identity: { omsOrderNumber: 'YM-1' }, ticketType: 'prepare', externalCode: 'timeout' },
      order,
      { now: NOW, mapping: mapped(null, true) },
    );
    expect(result).toEqual(expect.objectContaining({ outcome: 'info', statusChanged: false, attention: true }));
    const items = [{ sku: 'SKU-1', name: null, count: 2, price: null, total: null }];
    const info = decideStatusEvent(oms({ internalStatus: null, items, cancellationRequestedAt: NOW }), order, { now: NOW });
    expect(info.result.outcome).toBe('info');
    expect(order).toEqual(expect.objectContaining({ status: 'PROCESSING', items, cancellationRequestedAt: NOW }));
  });

  it('learns another identity of a known order, but never replaces one it has', () => {
    const order = existing({ imshopUuid: 'uuid-1' });
    decideStatusEvent(
      { source: 'market', identity: { market: { campaignId: '7', orderId: '8' }, omsOrderNumber: 'OTHER', imshopUuid: 'uuid-2' }, internalStatus: null },
      order,
      { now: NOW },
    );
    expect(order).toEqual(expect.objectContaining({ omsOrderNumber: 'YM-1', imshopUuid: 'uuid-1', marketCampaignId: '7', marketOrderId: '8' }));
  });

  it('cuts the history note to the column and stores no payload for null', () => {
    const { history } = decideStatusEvent(oms({ internalStatus: null, note: 'x'.repeat(600), payload: null }), existing(), { now: NOW });
    expect(history.note).toHaveLength(512);
    expect(history.payload).toBeNull();
  });

  it('refuses to decide a code it was not given the mapping of', () => {
    expect(() => decideStatusEvent(oms({ externalCode: 'packed' }), null, { now: NOW })).toThrow('was not resolved');
  });
});

describe('rounds of a batch', () => {
  it('needs the mapping table only for a code without a given status', () => {
    expect(needsMapping(oms({ externalCode: 'packed' }))).toBe(true);
    expect(needsMapping(oms({ externalCode: 'CANCELLED', internalStatus: 'CANCELLED' }))).toBe(false);
    expect(needsMapping(oms({ internalStatus: null }))).toBe(false);
  });

  it('names an order by each of its identities', () => {
    expect(identityKeys({ id: 'a', market: { campaignId: '1', orderId: '2' }, imshopUuid: 'u', omsOrderNumber: 'n' })).toEqual([
      'id:a',
      'market:1:2',
      'imshop:u',
      'oms:n',
    ]);
    expect(identityKeys({})).toEqual([]);
  });

  it('lets an event wait when it shares an identity with one before it, and everything after that waits too', () => {
    const events = [
      oms({ identity: { omsOrderNumber: 'A' } }),
      oms({ identity: { omsOrderNumber: 'B' } }),
      oms({ identity: { omsOrderNumber: 'A' } }),
      oms({ identity: { omsOrderNumber: 'C', market: { campaignId: '1', orderId: '2' } } }),
      oms({ identity: { market: { campaignId: '1', orderId: '2' } } }),
    ].map((event, index) => ({ event, index }));
    const { round, later } = splitRound(events);
    expect(round.map(({ index }) => index)).toEqual([0, 1, 3]);
    expect(later.map(({ index }) => index)).toEqual([2, 4]);
  });
});
