import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { DeliveryProcessor } from '../src/outbox/delivery.processor';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DELIVERY_QUEUE } from '../src/queue/queue.module';
import { OrdersService } from '../src/orders/orders.service';
import { eventually, startFakePeer, type FakePeer } from './support/fake-http-peer';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

const IMSHOP_KEY = 'imshop-test-key-0123456789';

function imshopEnv(fake: FakePeer, extra: Record<string, string> = {}) {
  return {
    IMSHOP_API_KEY: IMSHOP_KEY,
    IMSHOP_STATUS_URL: `${fake.url}/v1/clients/shop/statuses/sync/secret-token`,
    DELIVERY_BACKOFF_MS: '40',
    DELIVERY_BACKOFF_MAX_MS: '300',
    DELIVERY_TIMEOUT_MS: '400',
    DELIVERY_MAX_ATTEMPTS: '4',
    OUTBOX_SWEEP_MS: '200',
    MARKET_ALLOWED_CIDRS: '*',
    ...extra,
  };
}

describe('IMSHOP status push through the outbox and the queue', () => {
  let t: TestApp;
  let fake: FakePeer;
  let n = 0;
  const nextOrder = () => `OMS-${++n}-${Date.now()}`;
  const oms = (body: object) => t.http().post('/orders/status').set('Authorization', `Bearer ${ADMIN_KEY}`).send(body);
  const deliveriesOf = async (orderNumber: string) =>
    (await t.db.query(`SELECT d.* FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE o.oms_order_number = $1 ORDER BY d.id`, [orderNumber])) as Record<
      string,
      any
    >[];
  const requestsFor = (orderNumber: string) => fake.requests.filter((r) => r.body?.id === orderNumber);

  beforeAll(async () => {
    fake = await startFakePeer((req) => ({
      success: true,
      internalId: req.body?.id,
      uuid: 'cfe64e76-dbc4-4f0f-b9d1-7423aeb6f195',
      newStatus: req.body?.code,
      imshopStatus: 'ready_for_pickup',
      message: req.body?.message,
    }));
    t = await startTestApp(imshopEnv(fake));
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() =>
    fake.respond((req) => ({
      status: 200,
      body: {
        success: true,
        internalId: req.body?.id,
        uuid: 'cfe64e76-dbc4-4f0f-b9d1-7423aeb6f195',
        newStatus: req.body?.code,
        imshopStatus: 'ready_for_pickup',
      },
    })),
  );

  it('relays an OMS status to IMSHOP with the Bearer key and the exact body, and records the answer', async () => {
    const id = nextOrder();
    const res = await oms({ id, code: 'ready_for_pickup', message: 'Готов к выдаче', trackingUrl: 'https://www.cdek.ru/ru/tracking?order_id=1234567890' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ success: true, internalId: id, newStatus: 'ready_for_pickup', outcome: 'applied' }));
    const [delivery] = await eventually(async () => {
      const rows = await deliveriesOf(id);
      return rows[0]?.state === 'sent' ? rows : undefined;
    });
    const [request] = requestsFor(id);
    expect(request.path).toBe('/v1/clients/shop/statuses/sync/secret-token');
    expect(request.headers.authorization).toBe(`Bearer ${IMSHOP_KEY}`);
    expect(request.body).toEqual({
      id,
      code: 'ready_for_pickup',
      message: 'Готов к выдаче',
      trackingUrl: 'https://www.cdek.ru/ru/tracking?order_id=1234567890',
    });
    expect(delivery.response).toEqual(expect.objectContaining({ uuid: 'cfe64e76-dbc4-4f0f-b9d1-7423aeb6f195', imshopStatus: 'ready_for_pickup' }));
    expect((await t.db.query('SELECT status FROM orders WHERE oms_order_number = $1', [id]))[0].status).toBe('READY_FOR_PICKUP');
  });

  it('relays a resent OMS status once when it carries the same Idempotency-Key', async () => {
    const id = nextOrder();
    const send = (key: string, code = 'processing') =>
      t.http().post('/orders/status').set('Authorization', `Bearer ${ADMIN_KEY}`).set('Idempotency-Key', key).send({ id, code });
    expect((await send(`${id}-1`)).body.outcome).toBe('applied');
    // the OMS lost our answer and sends the same change again, twice: one order change, one relay
    const repeats = await Promise.all([send(`${id}-1`), send(`${id}-1`)]);
    expect(repeats.map((res) => [res.status, res.body.outcome])).toEqual([
      [200, 'duplicate'],
      [200, 'duplicate'],
    ]);
    await eventually(async () => ((await deliveriesOf(id))[0]?.state === 'sent' ? true : undefined));
    // a new key is a new change, even with the same code
    expect((await send(`${id}-2`)).body.outcome).toBe('unchanged');
    await eventually(async () => ((await deliveriesOf(id)).every((row: any) => row.state === 'sent') ? true : undefined));
    expect((await deliveriesOf(id)).length).toBe(2);
    expect(requestsFor(id).length).toBe(2);
    const [order] = await t.db.query('SELECT id FROM orders WHERE oms_order_number = $1', [id]);
    expect((await t.db.query('SELECT count(*)::int AS n FROM order_history WHERE order_id = $1', [order.id]))[0].n).toBe(2);

    const bad = await send('has space');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('Idempotency-Key');
  });

  it('relays an OMS code that has no mapping row, leaving the internal status alone', async () => {
    const id = nextOrder();
    await oms({ id, code: 'processing' });
    const res = await oms({ id, code: 'gift_wrapped', message: 'Упакован в подарочную упаковку' });
    expect(res.body.outcome).toBe('unmapped');
    await eventually(async () => (await deliveriesOf(id)).every((d) => d.state === 'sent' || d.state === 'superseded'));
    expect(requestsFor(id).at(-1)!.body).toEqual({ id, code: 'gift_wrapped', message: 'Упакован в подарочную упаковку' });
    expect((await t.db.query('SELECT status FROM orders WHERE oms_order_number = $1', [id]))[0].status).toBe('PROCESSING');
  });

  it('pushes a mapped code for a change from another source, and nothing for a Market-only order', async () => {
    const id = nextOrder();
    await oms({ id, code: 'processing' });
    await eventually(async () => requestsFor(id).length === 1);
    await t.app.get(OrdersService).applyStatus({ source: 'imshop_ticket', identity: { omsOrderNumber: id }, ticketType: 'prepare', externalCode: 'done' });
    await eventually(async () => requestsFor(id).length === 2);
    expect(requestsFor(id)[1].body).toEqual({ id, code: 'ready_to_dispatch', message: 'Заказ собран и готов к отправке' });

    const before = (await t.db.query("SELECT count(*)::int AS n FROM deliveries WHERE target = 'imshop'"))[0].n;
    await t.app.get(OrdersService).applyStatus({ source: 'market', identity: { market: { campaignId: '1', orderId: '424242' } }, externalCode: 'PROCESSING' });
    // a Market order with an OMS number (given for store tickets) is still not the app's order
    await t.app.get(OrdersService).applyStatus({
      source: 'imshop_ticket',
      identity: { market: { campaignId: '1', orderId: '424243' }, omsOrderNumber: 'YM-424243' },
      internalStatus: 'READY_TO_SHIP',
    });
    expect((await t.db.query("SELECT count(*)::int AS n FROM deliveries WHERE target = 'imshop'"))[0].n).toBe(before);
  });

  it('retries 500 twice and then delivers exactly once', async () => {
    const id = nextOrder();
    let failures = 0;
    fake.respond((req) => (req.body?.id === id && failures++ < 2 ? { status: 500, body: { error: 'busy' } } : { status: 200, body: { success: true } }));
    await oms({ id, code: 'processing' });
    const [delivery] = await eventually(async () => ((await deliveriesOf(id))[0]?.state === 'sent' ? deliveriesOf(id) : undefined));
    expect(requestsFor(id)).toHaveLength(3);
    expect(delivery.attempts).toBe(3);
    const detail = await t.http().get(`/admin/deliveries/${delivery.id}`).set('X-Api-Key', ADMIN_KEY);
    expect(detail.body.attemptLog.map((a: any) => [a.statusCode, a.outcome])).toEqual([
      [500, 'retry'],
      [500, 'retry'],
      [200, 'sent'],
    ]);
    expect(detail.body.attemptLog.every((a: any) => typeof a.latencyMs === 'number')).toBe(true);
  });

  it('gives up at once on a 400 or success:false, with the reason, and an admin can retry it', async () => {
    const refused = nextOrder();
    const unhappy = nextOrder();
    fake.respond((req) =>
      req.body?.id === refused
        ? { status: 400, body: { error: 'unknown order' } }
        : req.body?.id === unhappy
          ? { status: 200, body: { success: false, message: 'status not allowed' } }
          : { status: 200, body: { success: true } },
    );
    await oms({ id: refused, code: 'processing' });
    await oms({ id: unhappy, code: 'processing' });
    const dead = await eventually(async () => {
      const a = (await deliveriesOf(refused))[0];
      const b = (await deliveriesOf(unhappy))[0];
      return a?.state === 'dead' && b?.state === 'dead' ? [a, b] : undefined;
    });
    expect(requestsFor(refused)).toHaveLength(1);
    expect(requestsFor(unhappy)).toHaveLength(1);
    expect(dead[1].last_error).toContain('status not allowed');

    const listed = await t.http().get('/admin/deliveries?state=dead').set('X-Api-Key', ADMIN_KEY);
    expect(listed.body.items.map((d: any) => d.id)).toEqual(expect.arrayContaining([dead[0].id, dead[1].id]));

    fake.respond(() => ({ status: 200, body: { success: true } }));
    const retried = await t.http().post(`/admin/deliveries/${dead[0].id}/retry`).set('X-Api-Key', ADMIN_KEY);
    expect(retried.status).toBe(202);
    await eventually(async () => (await deliveriesOf(refused))[0].state === 'sent');
    expect(requestsFor(refused)).toHaveLength(2);
    expect((await t.http().post(`/admin/deliveries/${dead[0].id}/retry`).set('X-Api-Key', ADMIN_KEY)).status).toBe(409);
    expect((await t.http().post('/admin/deliveries/abc/retry').set('X-Api-Key', ADMIN_KEY)).status).toBe(400);
    expect((await t.http().get('/admin/deliveries/999999999').set('X-Api-Key', ADMIN_KEY)).status).toBe(404);
  });

  it('honours Retry-After on a 429', async () => {
    const id = nextOrder();
    fake.respond((req) =>
      req.body?.id === id && requestsFor(id).length === 1
        ? { status: 429, headers: { 'retry-after': '1' }, body: {} }
        : { status: 200, body: { success: true } },
    );
    await oms({ id, code: 'processing' });
    await eventually(async () => (await deliveriesOf(id))[0]?.state === 'sent');
    const [first, second] = requestsFor(id);
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
  });

  it('retries a timeout and a dropped connection', async () => {
    const slow = nextOrder();
    const dropped = nextOrder();
    fake.respond((req) => {
      const seen = requestsFor(req.body?.id).length;
      if (req.body?.id === slow && seen === 1) return { hang: true };
      if (req.body?.id === dropped && seen === 1) return { drop: true };
      return { status: 200, body: { success: true } };
    });
    await oms({ id: slow, code: 'processing' });
    await oms({ id: dropped, code: 'processing' });
    await eventually(async () => (await deliveriesOf(slow))[0]?.state === 'sent' && (await deliveriesOf(dropped))[0]?.state === 'sent');
    const slowAttempts = (
      await t
        .http()
        .get(`/admin/deliveries/${(await deliveriesOf(slow))[0].id}`)
        .set('X-Api-Key', ADMIN_KEY)
    ).body.attemptLog;
    expect(slowAttempts[0]).toEqual(expect.objectContaining({ statusCode: 0, outcome: 'retry', error: expect.stringContaining('no answer within 400 ms') }));
    expect(requestsFor(dropped)).toHaveLength(2);
  });

  it('marks the older of two quick changes superseded: IMSHOP never sees an older status after a newer one', async () => {
    const id = nextOrder();
    const worker = t.app.get(DeliveryProcessor).worker;
    await worker.pause();
    try {
      await oms({ id, code: 'processing' });
      await oms({ id, code: 'ready_for_pickup' });
    } finally {
      await worker.resume();
    }
    await eventually(async () => {
      const rows = await deliveriesOf(id);
      return rows.length === 2 && rows.every((r) => r.state !== 'pending' && r.state !== 'retrying');
    });
    expect((await deliveriesOf(id)).map((d) => d.state)).toEqual(['superseded', 'sent']);
    expect(requestsFor(id).map((r) => r.body.code)).toEqual(['ready_for_pickup']);
  });

  it("sends one order's changes in order even under concurrent workers", async () => {
    const id = nextOrder();
    const codes = ['placed', 'processing', 'ready_to_dispatch', 'dispatched', 'ready_for_pickup', 'done'];
    for (const code of codes) await oms({ id, code });
    await eventually(async () => (await deliveriesOf(id)).every((r) => ['sent', 'superseded'].includes(r.state)));
    const received = requestsFor(id).map((r) => codes.indexOf(r.body.code));
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(received.at(-1)).toBe(codes.length - 1);
  });

  it('validates the OMS request and requires the admin key', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM deliveries'))[0].n;
    expect((await t.http().post('/orders/status').send({ id: '1', code: 'x' })).status).toBe(401);
    const noCode = await oms({ id: '1' });
    expect(noCode.status).toBe(400);
    expect(JSON.stringify(noCode.body.message)).toContain('code');
    const badUrl = await oms({ id: '1', code: 'x', trackingUrl: 'javascript:alert(1)' });
    expect(badUrl.status).toBe(400);
    expect(JSON.stringify(badUrl.body.message)).toContain('trackingUrl');
    const badPayment = await oms({ id: '1', code: 'x', payment: { paid: true } });
    expect(badPayment.status).toBe(400);
    expect(JSON.stringify(badPayment.body.message)).toContain('paymentId');
    expect((await t.db.query('SELECT count(*)::int AS n FROM deliveries'))[0].n).toBe(before);
    expect(fake.requests.some((r) => r.body?.id === '1')).toBe(false);
  });

  it('re-enqueues a delivery whose job was lost (the sweeper)', async () => {
    const id = nextOrder();
    const worker = t.app.get(DeliveryProcessor).worker;
    await worker.pause();
    await oms({ id, code: 'processing' });
    const [row] = await eventually(async () => deliveriesOf(id));
    // lose the job, as a queue outage between commit and enqueue would
    await t.db.query(`UPDATE deliveries SET next_attempt_at = now() - interval '1 minute' WHERE id = $1`, [row.id]);
    const queue = t.app.get<Queue>(getQueueToken(DELIVERY_QUEUE));
    await queue.obliterate({ force: true });
    await worker.resume();
    await eventually(async () => (await deliveriesOf(id))[0].state === 'sent');
    expect(requestsFor(id)).toHaveLength(1);
  });
});

/** A private redis-server the test can stop and start, leaving the machine's Redis alone. */
async function startPrivateRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await eventually(
    async () =>
      spawnSync('redis-cli', ['-p', String(port), 'ping'])
        .stdout?.toString()
        .includes('PONG'),
    10_000,
  );
  return child;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const haveRedis = spawnSync('redis-server', ['--version']).status === 0;

(haveRedis ? describe : describe.skip)('IMSHOP push while the Redis queue is down', () => {
  it('accepts changes during the outage and delivers them once Redis is back', async () => {
    const fake = await startFakePeer();
    const port = await freePort();
    let redis = await startPrivateRedis(port);
    const t = await startTestApp(imshopEnv(fake, { REDIS_URL: `redis://127.0.0.1:${port}` }));
    try {
      redis.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      const ids = ['DOWN-1', 'DOWN-2', 'DOWN-3'];
      for (const id of ids) {
        const res = await t.http().post('/orders/status').set('X-Api-Key', ADMIN_KEY).send({ id, code: 'processing' });
        expect(res.status).toBe(200);
      }
      const pending = await t.db.query('SELECT state FROM deliveries ORDER BY id');
      expect(pending.map((d: any) => d.state)).toEqual(['pending', 'pending', 'pending']);
      expect(fake.requests).toHaveLength(0);

      redis = await startPrivateRedis(port);
      await eventually(async () => (await t.db.query("SELECT count(*)::int AS n FROM deliveries WHERE state = 'sent'"))[0].n === 3, 30_000);
      expect(fake.requests.map((r) => r.body.id).sort()).toEqual(ids);
    } finally {
      await t.close();
      redis.kill('SIGKILL');
      await fake.close();
    }
  }, 60_000);
});
