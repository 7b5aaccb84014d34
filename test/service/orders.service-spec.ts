import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NotFoundError } from '../../src/common/domain-error';
import { DeliveryProcessor } from '../../src/outbox/delivery.processor';
import { OrdersService, type StatusEvent } from '../../src/orders/orders.service';
import { startFakePeer, type FakePeer } from '../support/fake-http-peer';
import { startServices, type ServiceContext } from './service-context';
import { runInTransaction } from '../../src/database/transaction';

/** The order aggregate without HTTP: applyStatus and applyStatusBatch against a real database. */
describe('OrdersService', () => {
  let ctx: ServiceContext;
  let imshop: FakePeer;
  let orders: OrdersService;
  let n = 0;
  const orderNumber = () => `ORD-SVC-${++n}-${Date.now()}`;
  const oms = (number: string, fields: Partial<StatusEvent> = {}): StatusEvent => ({ source: 'oms', identity: { omsOrderNumber: number }, ...fields });
  const orderRow = async (number: string) => ((await ctx.db.query('SELECT * FROM orders WHERE oms_order_number = $1', [number])) as Record<string, any>[])[0];
  const historyOf = async (number: string) =>
    (await ctx.db.query(
      `SELECT h.outcome, h.from_status, h.to_status, h.dedupe_key, h.note FROM order_history h JOIN orders o ON o.id = h.order_id
       WHERE o.oms_order_number = $1 ORDER BY h.id`,
      [number],
    )) as Record<string, any>[];
  const deliveriesOf = async (number: string) =>
    (await ctx.db.query(`SELECT d.target, d.payload FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE o.oms_order_number = $1 ORDER BY d.id`, [
      number,
    ])) as Record<string, any>[];

  beforeAll(async () => {
    imshop = await startFakePeer();
    ctx = await startServices({ IMSHOP_API_KEY: 'svc-imshop-key-0123456789', IMSHOP_STATUS_URL: `${imshop.url}/statuses` });
    orders = ctx.get(OrdersService);
    // Deliveries stay in the table, where the tests look for them.
    await ctx.get(DeliveryProcessor).worker.pause();
  });
  afterAll(async () => {
    await ctx.get(DeliveryProcessor).worker.resume();
    await ctx.close();
    await imshop.close();
  });

  it('creates an order with its first status, through the mapping table, with one history row', async () => {
    const number = orderNumber();
    const result = await orders.applyStatus(oms(number, { externalCode: 'processing', dedupeKey: `${number}:1` }));
    expect(result).toEqual(expect.objectContaining({ created: true, duplicate: false, outcome: 'applied', statusChanged: true, fromStatus: null }));
    expect(result.order.id).toEqual(expect.any(String));
    expect(await orderRow(number)).toEqual(expect.objectContaining({ id: result.order.id, status: 'PROCESSING', source_status: 'processing', version: 1 }));
    expect(await historyOf(number)).toEqual([
      expect.objectContaining({ outcome: 'applied', from_status: null, to_status: 'PROCESSING', dedupe_key: `${number}:1` }),
    ]);
  });

  it('keeps a stale event in history without moving the order', async () => {
    const number = orderNumber();
    await orders.applyStatus(oms(number, { internalStatus: 'SHIPPED', eventAt: new Date('2026-11-24T12:00:00Z') }));
    const late = await orders.applyStatus(oms(number, { internalStatus: 'READY_TO_SHIP', eventAt: new Date('2026-11-24T11:00:00Z'), trackingNumber: 'OLD' }));
    expect(late).toEqual(expect.objectContaining({ outcome: 'stale', statusChanged: false }));
    expect(await orderRow(number)).toEqual(expect.objectContaining({ status: 'SHIPPED', tracking_number: null, version: 2 }));
    expect((await historyOf(number)).map((row) => [row.outcome, row.to_status])).toEqual([
      ['applied', 'SHIPPED'],
      ['stale', 'READY_TO_SHIP'],
    ]);
  });

  it('records what the state machine refuses, with its reason, and leaves the status', async () => {
    const number = orderNumber();
    await orders.applyStatus(oms(number, { internalStatus: 'DELIVERED' }));
    const refused = await orders.applyStatus(oms(number, { internalStatus: 'PROCESSING' }));
    expect(refused).toEqual(expect.objectContaining({ outcome: 'rejected', statusChanged: false, reason: 'DELIVERED cannot go back to PROCESSING' }));
    expect((await orderRow(number)).status).toBe('DELIVERED');
    expect((await historyOf(number))[1]).toEqual(expect.objectContaining({ outcome: 'rejected', note: 'DELIVERED cannot go back to PROCESSING' }));
  });

  it('applies a dedupe key once: the repeat changes nothing and writes no row', async () => {
    const number = orderNumber();
    const event = oms(number, { externalCode: 'processing', dedupeKey: `${number}:once` });
    const first = await orders.applyStatus(event);
    const again = await orders.applyStatus({ ...event, externalCode: 'delivered' });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual(expect.objectContaining({ duplicate: true, outcome: 'duplicate', statusChanged: false, fromStatus: 'PROCESSING' }));
    expect(again.order.id).toBe(first.order.id);
    expect(await historyOf(number)).toHaveLength(1);
    expect((await orderRow(number)).status).toBe('PROCESSING');
  });

  it('applies a batch that names one order twice (by two identities) as if one after the other', async () => {
    const number = orderNumber();
    const market = { campaignId: '4242', orderId: String(Date.now() % 1e9) };
    await orders.applyStatus(oms(number, { internalStatus: 'NEW', identity: { omsOrderNumber: number, market } }));
    const results = await runInTransaction(ctx.db, (tx) =>
      orders.applyStatusBatch(
        [
          oms(number, { internalStatus: 'PROCESSING' }),
          { source: 'market', identity: { market }, externalCode: 'PROCESSING', externalSubstatus: 'READY_TO_SHIP' },
          oms(number, { internalStatus: 'NEW' }),
        ],
        tx,
      ),
    );
    expect(results.map((r) => [r.outcome, r.fromStatus, r.order.status])).toEqual([
      ['applied', 'NEW', 'PROCESSING'],
      ['applied', 'PROCESSING', 'READY_TO_SHIP'],
      ['rejected', 'READY_TO_SHIP', 'READY_TO_SHIP'],
    ]);
    expect(new Set(results.map((r) => r.order.id)).size).toBe(1);
    expect((await historyOf(number)).map((row) => row.outcome)).toEqual(['applied', 'applied', 'applied', 'rejected']);
    // created at version 1, then each of the three events wrote the order once (a refused one too: its clock and history)
    expect(await orderRow(number)).toEqual(expect.objectContaining({ status: 'READY_TO_SHIP', version: 4 }));
  });

  it('runs the ORDER_CHANGED handlers inside the transaction: a rollback leaves no order, history or outbox row', async () => {
    const kept = orderNumber();
    const dropped = orderNumber();
    await runInTransaction(ctx.db, (tx) => orders.applyStatusBatch([oms(kept, { externalCode: 'processing', relay: { code: 'processing' } })], tx));
    await expect(
      runInTransaction(ctx.db, async (tx) => {
        const [result] = await orders.applyStatusBatch([oms(dropped, { externalCode: 'processing', relay: { code: 'processing' } })], tx);
        const { manager } = tx;
        // The order is written in this transaction (the outbox inserts its deliveries just before the commit).
        const [{ n: inside }] = await manager.query('SELECT count(*)::int AS n FROM orders WHERE id = $1', [result.order.id]);
        expect(inside).toBe(1);
        throw new Error('the caller changed its mind');
      }),
    ).rejects.toThrow('changed its mind');
    expect(await deliveriesOf(kept)).toEqual([{ target: 'imshop', payload: { id: kept, code: 'processing' } }]);
    expect(await orderRow(dropped)).toBeUndefined();
    expect((await ctx.db.query("SELECT count(*)::int AS n FROM deliveries d WHERE d.payload->>'id' = $1", [dropped]))[0].n).toBe(0);
  });

  it('raises NotFoundError for an event naming an order by an id that does not exist, and writes nothing', async () => {
    const id = '00000000-0000-4000-8000-00000000beef';
    await expect(orders.applyStatus({ source: 'admin', identity: { id }, internalStatus: 'CANCELLED' })).rejects.toThrow(NotFoundError);
    expect((await ctx.db.query('SELECT count(*)::int AS n FROM orders WHERE id = $1', [id]))[0].n).toBe(0);
  });
});
