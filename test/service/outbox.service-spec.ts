import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeliveryProcessor } from '../../src/outbox/delivery.processor';
import { DeliveryAttemptsService } from '../../src/outbox/delivery-attempts.service';
import { OrdersService } from '../../src/orders/orders.service';
import { eventually, startFakePeer, type FakePeer } from '../support/fake-http-peer';
import { startServices, type ServiceContext } from './service-context';
import { runInTransaction } from '../../src/database/transaction';

/** The outbox without HTTP: deliveries written with an order change, then claimed, sent and recorded. */
describe('OutboxService', () => {
  let ctx: ServiceContext;
  let imshop: FakePeer;
  let n = 0;
  const orderNumber = () => `SVC-${++n}-${Date.now()}`;
  const deliveriesOf = async (number: string) =>
    (await ctx.db.query(`SELECT d.* FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE o.oms_order_number = $1 ORDER BY d.id`, [number])) as Record<
      string,
      any
    >[];

  beforeAll(async () => {
    imshop = await startFakePeer();
    ctx = await startServices({
      IMSHOP_API_KEY: 'svc-imshop-key-0123456789',
      IMSHOP_STATUS_URL: `${imshop.url}/statuses`,
      DELIVERY_BACKOFF_MS: '40',
      DELIVERY_TIMEOUT_MS: '500',
    });
  });
  afterAll(async () => {
    await ctx.close();
    await imshop.close();
  });

  it('writes a delivery with the order change, and nothing when the change rolls back', async () => {
    const worker = ctx.get(DeliveryProcessor).worker;
    await worker.pause();
    try {
      const kept = orderNumber();
      const dropped = orderNumber();
      await ctx
        .get(OrdersService)
        .applyStatus({ source: 'oms', identity: { omsOrderNumber: kept }, externalCode: 'processing', relay: { code: 'processing' } });
      await expect(
        runInTransaction(ctx.db, async (tx) => {
          await ctx
            .get(OrdersService)
            .applyStatus({ source: 'oms', identity: { omsOrderNumber: dropped }, externalCode: 'processing', relay: { code: 'processing' } }, tx);
          throw new Error('the caller changed its mind');
        }),
      ).rejects.toThrow('changed its mind');
      expect((await deliveriesOf(kept)).map((d) => [d.state, d.payload])).toEqual([['pending', { id: kept, code: 'processing' }]]);
      expect(await deliveriesOf(dropped)).toEqual([]);
    } finally {
      await worker.resume();
    }
  });

  it('claims, sends and records one attempt, and tells a duplicate job there is nothing to do', async () => {
    const number = orderNumber();
    const worker = ctx.get(DeliveryProcessor).worker;
    await worker.pause();
    let id: string;
    try {
      await ctx
        .get(OrdersService)
        .applyStatus({ source: 'oms', identity: { omsOrderNumber: number }, externalCode: 'ready_for_pickup', relay: { code: 'ready_for_pickup' } });
      [{ id }] = await deliveriesOf(number);
      const outbox = ctx.get(DeliveryAttemptsService);
      const [first, duplicate] = await Promise.all([outbox.deliver(id), outbox.deliver(id)]);
      expect([first, duplicate].sort()).toEqual(['sent', 'skipped']);
    } finally {
      await worker.resume();
    }
    const [row] = await deliveriesOf(number);
    expect(row).toEqual(expect.objectContaining({ state: 'sent', attempts: 1, lease_until: null }));
    expect(imshop.requests.filter((r) => r.body?.id === number)).toHaveLength(1);
    const attempts = await ctx.db.query('SELECT outcome, status_code FROM delivery_attempts WHERE delivery_id = $1', [id!]);
    expect(attempts).toEqual([{ outcome: 'sent', status_code: 200 }]);
  });

  it('supersedes an older delivery by a newer one of the same order, whichever job runs first', async () => {
    const number = orderNumber();
    const worker = ctx.get(DeliveryProcessor).worker;
    await worker.pause();
    try {
      for (const code of ['processing', 'ready_for_pickup']) {
        await ctx.get(OrdersService).applyStatus({ source: 'oms', identity: { omsOrderNumber: number }, externalCode: code, relay: { code } });
      }
      const [older, newer] = await deliveriesOf(number);
      expect(await ctx.get(DeliveryAttemptsService).deliver(newer.id)).toBe('sent');
      expect(await ctx.get(DeliveryAttemptsService).deliver(older.id)).toBe('superseded');
    } finally {
      await worker.resume();
    }
    await eventually(async () => (await deliveriesOf(number)).every((d) => d.state !== 'pending'));
    expect(imshop.requests.filter((r) => r.body?.id === number).map((r) => r.body.code)).toEqual(['ready_for_pickup']);
  });
});
