import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { OrdersService, type ApplyResult, type StatusEvent } from '../src/orders/orders.service';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';
import { runInTransaction } from '../src/database/transaction';

describe('Order aggregate: history, out-of-order events, state machine', () => {
  let t: TestApp;
  let orders: OrdersService;
  let seq = 0;
  const marketEvent = (orderId: string, status: string, substatus: string | undefined, at: string, extra: Partial<StatusEvent> = {}): StatusEvent => ({
    source: 'market',
    identity: { market: { campaignId: '1001', orderId } },
    dedupeKey: `test:${orderId}:${status}:${substatus ?? ''}:${at}`,
    eventAt: new Date(at),
    externalCode: status,
    externalSubstatus: substatus,
    payload: { status, substatus, at, n: ++seq },
    ...extra,
  });
  const history = async (orderId: string) =>
    (await t.db.query('SELECT outcome, from_status, to_status, source FROM order_history WHERE order_id = $1 ORDER BY id', [orderId])) as {
      outcome: string;
      from_status: string | null;
      to_status: string | null;
    }[];

  beforeAll(async () => {
    t = await startTestApp();
    orders = t.app.get(OrdersService);
  });
  afterAll(() => t.close());

  it('creates an order on its first event and moves it forward through the mapping table', async () => {
    const first = await orders.applyStatus(marketEvent('501', 'PROCESSING', 'STARTED', '2026-11-24T10:00:00+03:00'));
    expect(first).toEqual(expect.objectContaining({ created: true, outcome: 'applied', statusChanged: true }));
    expect(first.order.status).toBe('PROCESSING');
    const second = await orders.applyStatus(marketEvent('501', 'PROCESSING', 'READY_TO_SHIP', '2026-11-24T11:00:00+03:00'));
    expect(second.order.status).toBe('READY_TO_SHIP');
    expect(second.fromStatus).toBe('PROCESSING');

    const row = (
      await t.db.query("SELECT status, source_status, source_substatus, status_event_at, version, market_order_id FROM orders WHERE market_order_id = '501'")
    )[0];
    expect(row).toEqual(
      expect.objectContaining({ status: 'READY_TO_SHIP', source_status: 'PROCESSING', source_substatus: 'READY_TO_SHIP', market_order_id: '501' }),
    );
    expect(new Date(row.status_event_at).toISOString()).toBe('2026-11-24T08:00:00.000Z');
    // created at version 1 by its first event, then one optimistic-lock bump per applied event
    expect(first.order.version).toBe(1);
    expect(row.version).toBe(2);
    expect(second.order.version).toBe(2);
    expect(await history(first.order.id)).toEqual([
      expect.objectContaining({ outcome: 'applied', from_status: null, to_status: 'PROCESSING' }),
      expect.objectContaining({ outcome: 'applied', from_status: 'PROCESSING', to_status: 'READY_TO_SHIP' }),
    ]);
  });

  it('records an older event in history without moving the status (latest event time wins)', async () => {
    await orders.applyStatus(marketEvent('502', 'DELIVERY', undefined, '2026-11-24T12:00:00Z'));
    const late = await orders.applyStatus(marketEvent('502', 'PROCESSING', 'READY_TO_SHIP', '2026-11-24T11:00:00Z'));
    expect(late.outcome).toBe('stale');
    expect(late.order.status).toBe('SHIPPED');
    expect(late.reason).toContain('older than the last applied status');
    const h = await history(late.order.id);
    expect(h.map((e) => e.outcome)).toEqual(['applied', 'stale']);
    expect((await t.db.query("SELECT status FROM orders WHERE market_order_id = '502'"))[0].status).toBe('SHIPPED');
  });

  it('applies a repeated event only once (dedupe key)', async () => {
    const event = marketEvent('503', 'PROCESSING', undefined, '2026-11-24T09:00:00Z');
    const a = await orders.applyStatus(event);
    const b = await orders.applyStatus({ ...event, payload: { different: 'payload, same key' } });
    expect(a.duplicate).toBe(false);
    expect(b).toEqual(expect.objectContaining({ duplicate: true, outcome: 'duplicate', statusChanged: false }));
    expect(await history(a.order.id)).toHaveLength(1);
  });

  it('applies an event once even when many copies arrive at the same moment', async () => {
    const event = marketEvent('504', 'PROCESSING', undefined, '2026-11-24T09:00:00Z');
    const results = await Promise.all(Array.from({ length: 12 }, () => orders.applyStatus(event)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.order.id)).size).toBe(1);
    expect((await t.db.query("SELECT count(*)::int AS n FROM orders WHERE market_order_id = '504'"))[0].n).toBe(1);
    expect(await history(results[0].order.id)).toHaveLength(1);
  });

  it('creates one order when different events for a new order race', async () => {
    const times = ['10:00', '10:01', '10:02', '10:03', '10:04', '10:05'];
    const results = await Promise.all(times.map((time) => orders.applyStatus(marketEvent('505', 'PROCESSING', undefined, `2026-11-24T${time}:00Z`))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await t.db.query("SELECT count(*)::int AS n FROM orders WHERE market_order_id = '505'"))[0].n).toBe(1);
    const row = (await t.db.query("SELECT status_event_at FROM orders WHERE market_order_id = '505'"))[0];
    expect(new Date(row.status_event_at).toISOString()).toBe('2026-11-24T10:05:00.000Z');
  });

  it('refuses DELIVERED → PROCESSING by the state machine, but an admin override may', async () => {
    await orders.applyStatus(marketEvent('506', 'DELIVERED', undefined, '2026-11-24T09:00:00Z'));
    const back = await orders.applyStatus(marketEvent('506', 'PROCESSING', undefined, '2026-11-24T10:00:00Z'));
    expect(back.outcome).toBe('rejected');
    expect(back.reason).toBe('DELIVERED cannot go back to PROCESSING');
    expect(back.order.status).toBe('DELIVERED');

    const refused = await t.http().post(`/admin/orders/${back.order.id}/status`).set('X-Api-Key', ADMIN_KEY).send({ status: 'PROCESSING', reason: 'reopened' });
    expect(refused.status).toBe(201);
    expect(refused.body.outcome).toBe('rejected');

    const forced = await t
      .http()
      .post(`/admin/orders/${back.order.id}/status`)
      .set('X-Api-Key', ADMIN_KEY)
      .set('X-Actor', 'ops')
      .send({ status: 'PROCESSING', reason: 'buyer came back', override: true });
    expect(forced.status).toBe(201);
    expect(forced.body.outcome).toBe('applied');
    expect(forced.body.order.status).toBe('PROCESSING');
    const h = await t.db.query('SELECT outcome, source, note FROM order_history WHERE order_id = $1 ORDER BY id', [back.order.id]);
    expect(h.at(-1)).toEqual({ outcome: 'applied', source: 'admin', note: 'admin override; ops: buyer came back' });
  });

  it('keeps an unmapped code in history and leaves the status alone', async () => {
    await orders.applyStatus(marketEvent('507', 'PROCESSING', undefined, '2026-11-24T09:00:00Z'));
    const odd = await orders.applyStatus(marketEvent('507', 'TELEPORTED', undefined, '2026-11-24T10:00:00Z'));
    expect(odd.outcome).toBe('unmapped');
    expect(odd.order.status).toBe('PROCESSING');
    expect(odd.reason).toBe('no mapping row for market code TELEPORTED');
  });

  it('validates admin input and answers 404 for an unknown order', async () => {
    const bad = await t
      .http()
      .post('/admin/orders/00000000-0000-4000-8000-000000000000/status')
      .set('X-Api-Key', ADMIN_KEY)
      .send({ status: 'FLYING', reason: 'x' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.message)).toContain('status');
    const missing = await t
      .http()
      .post('/admin/orders/00000000-0000-4000-8000-000000000000/status')
      .set('X-Api-Key', ADMIN_KEY)
      .send({ status: 'NEW', reason: 'x' });
    expect(missing.status).toBe(404);
    expect((await t.http().get('/admin/orders/not-a-uuid').set('X-Api-Key', ADMIN_KEY)).status).toBe(400);
  });

  it('lists orders with filters and pagination, and shows one with its history', async () => {
    const all = await t.http().get('/admin/orders?limit=3&page=1').set('X-Api-Key', ADMIN_KEY);
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(3);
    expect(all.body.total).toBeGreaterThanOrEqual(7);
    const page2 = await t.http().get('/admin/orders?limit=3&page=2').set('X-Api-Key', ADMIN_KEY);
    expect(page2.body.items.map((o: any) => o.id)).not.toEqual(expect.arrayContaining([all.body.items[0].id]));

    const shipped = await t.http().get('/admin/orders?status=SHIPPED').set('X-Api-Key', ADMIN_KEY);
    expect(shipped.body.items.map((o: any) => o.marketOrderId)).toEqual(['502']);
    const byId = await t.http().get('/admin/orders?externalId=506').set('X-Api-Key', ADMIN_KEY);
    expect(byId.body.total).toBe(1);
    const bySource = await t.http().get('/admin/orders?source=admin').set('X-Api-Key', ADMIN_KEY);
    expect(bySource.body.items.map((o: any) => o.marketOrderId)).toEqual(['506']);
    expect((await t.http().get('/admin/orders?status=LOST').set('X-Api-Key', ADMIN_KEY)).status).toBe(400);
    expect((await t.http().get('/admin/orders?limit=0').set('X-Api-Key', ADMIN_KEY)).status).toBe(400);

    const one = await t.http().get(`/admin/orders/${byId.body.items[0].id}`).set('X-Api-Key', ADMIN_KEY);
    expect(one.status).toBe(200);
    expect(one.body.history.map((e: any) => e.outcome)).toEqual(['applied', 'rejected', 'rejected', 'applied']);
    expect(one.body.history[0].payload).toEqual(expect.objectContaining({ status: 'DELIVERED' }));
  });
  it('applies a batch in one transaction with the same outcomes and rows as one event at a time', async () => {
    // The same story twice, under different ids: once through applyStatus one event at a time, once as one
    // applyStatusBatch (the Market intake's group commit). Outcomes, statuses, versions and history must match.
    const story = async (p: string, base: number): Promise<StatusEvent[]> => {
      const market = (n: number) => ({ market: { campaignId: '1001', orderId: String(base + n) } });
      const ev = (n: number, status: string, substatus: string | undefined, at: string, key = `${status}:${substatus}:${at}`): StatusEvent => ({
        source: 'market',
        identity: market(n),
        dedupeKey: `batch-test:${p}:${n}:${key}`,
        eventAt: new Date(at),
        externalCode: status,
        externalSubstatus: substatus,
      });
      // An order known by its OMS number and its Market id before the batch.
      await orders.applyStatus({
        source: 'admin',
        identity: { omsOrderNumber: `${p}-known`, ...market(9) },
        internalStatus: 'PROCESSING',
        eventAt: new Date('2026-11-24T08:00:00Z'),
      });
      return [
        ev(1, 'PROCESSING', 'STARTED', '2026-11-24T10:00:00Z'), // new order
        ev(1, 'PROCESSING', 'READY_TO_SHIP', '2026-11-24T11:00:00Z'), // the same order again: a later round
        ev(1, 'PROCESSING', 'STARTED', '2026-11-24T09:00:00Z'), // older than what was applied: stale
        ev(1, 'PROCESSING', 'STARTED', '2026-11-24T10:00:00Z'), // a repeat of the first: duplicate
        ev(2, 'CANCELLED', undefined, '2026-11-24T10:00:00Z'),
        ev(2, 'PROCESSING', 'STARTED', '2026-11-24T12:00:00Z'), // CANCELLED → PROCESSING: rejected
        ev(3, 'NO_SUCH_STATUS', undefined, '2026-11-24T10:00:00Z'), // unmapped
        {
          source: 'oms',
          identity: { omsOrderNumber: `${p}-known` },
          internalStatus: 'READY_TO_SHIP',
          dedupeKey: `batch-test:${p}:oms`,
          eventAt: new Date('2026-11-24T09:00:00Z'),
        },
        ev(9, 'DELIVERY', undefined, '2026-11-24T10:00:00Z'), // the known order by its other identity, in the same batch
        {
          source: 'oms',
          identity: { omsOrderNumber: `${p}-new` },
          internalStatus: 'NEW',
          dedupeKey: `batch-test:${p}:oms-new`,
          eventAt: new Date('2026-11-24T10:00:00Z'),
        },
        // A new Market order, then an event teaching its OMS number, then one naming it by that number only:
        // the last must wait for the second (or it would create an order of its own).
        ev(4, 'PROCESSING', 'STARTED', '2026-11-24T10:00:00Z'),
        { ...ev(4, 'PROCESSING', 'READY_TO_SHIP', '2026-11-24T11:00:00Z'), identity: { omsOrderNumber: `${p}-four`, ...market(4) } },
        {
          source: 'oms',
          identity: { omsOrderNumber: `${p}-four` },
          internalStatus: 'SHIPPED',
          dedupeKey: `batch-test:${p}:four`,
          eventAt: new Date('2026-11-24T12:00:00Z'),
        },
      ];
    };
    const oneByOne = await story('single', 700);
    const single: ApplyResult[] = [];
    for (const event of oneByOne) single.push(await orders.applyStatus(event));
    const batched = await story('batch', 800);
    const batch = await runInTransaction(t.app.get(DataSource), (tx) => orders.applyStatusBatch(batched, tx));

    const summary = (results: typeof single) => results.map((r) => [r.outcome, r.created, r.statusChanged, r.fromStatus, r.order.status, r.order.version]);
    expect(summary(batch)).toEqual(summary(single));
    expect(summary(single).map(([outcome]) => outcome)).toEqual([
      'applied',
      'applied',
      'stale',
      'duplicate',
      'applied',
      'rejected',
      'unmapped',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
    ]);
    expect(batch[0].order.id).toBe(batch[1].order.id);
    expect(new Set([batch[10].order.id, batch[11].order.id, batch[12].order.id]).size).toBe(1);
    expect(batch[7].order.id).toBe(batch[8].order.id);
    const rows = async (results: typeof single) =>
      Promise.all(
        [...new Set(results.map((r) => r.order.id))].map(async (id) => ({
          order: (await t.db.query('SELECT status, version, status_event_at FROM orders WHERE id = $1', [id]))[0],
          history: (await history(id)).map(({ outcome, from_status, to_status }) => [outcome, from_status, to_status]),
        })),
      );
    expect(await rows(batch)).toEqual(await rows(single));
    expect(batch.every((r) => r.duplicate || typeof r.historyId === 'string')).toBe(true);
  });
});
