import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { httpRequest } from '../support/app-process';
import type { ReceivedRequest } from '../support/fake-http-peer';
import { ADMIN_KEY, freePort, SCENARIO_TIMEOUT_MS, settle, startWorld, type World } from './support/harness';
import { startBurst, until, type Notification, type Task } from './support/traffic';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Ordering and once-only across outages and restarts (issue: never an older status after a newer one). Each
 * scenario checks what the fake peer received (per delivery, and the last word per order) and the database.
 */

/** An OMS status for an order, tagged by a message unique to it (so IMSHOP's copy names its delivery). */
function omsStatus(run: string, order: string, code: string, n: number, ports: number[]): Task {
  const message = `${run}:${order}:${n}:${code}`;
  const item: Notification = {
    kind: 'oms',
    key: message,
    order,
    path: '/orders/status',
    headers: { 'X-Api-Key': ADMIN_KEY, 'Idempotency-Key': `k-${message}` },
    body: { id: order, code, message },
    internal: code,
    code,
    message,
  };
  return { items: [item], port: (attempt) => ports[attempt % ports.length] };
}

interface OrderingCheck {
  problems: string[];
  /** Requests IMSHOP received beyond one per delivery. */
  extraSends: number;
  /** Requests whose outcome no attempt row records (sent, then the database was gone). */
  unrecordedSends: number;
  requests: number;
  deliveries: number;
}

/**
 * What IMSHOP received against what the database says: every delivery ends sent or superseded; no delivery has
 * two recorded successful attempts (a second send only after an attempt whose outcome was not recorded, or a
 * recorded failure); and the last status IMSHOP received for each order is its newest.
 */
async function checkOrdering(world: World, newest: Map<string, string>): Promise<OrderingCheck> {
  const problems: string[] = [];
  const received = world.fake.requests.filter((r) => r.path === '/statuses');
  const receivedByMessage = new Map<string, number>();
  const lastByOrder = new Map<string, string>();
  for (const r of received) {
    receivedByMessage.set(r.body.message, (receivedByMessage.get(r.body.message) ?? 0) + 1);
    lastByOrder.set(r.body.id, r.body.message);
  }
  const deliveries = await world.query<{ id: string; state: string; message: string; ref: string; sent: number; logged: number }>(
    `SELECT d.id, d.state, d.payload->>'message' AS message, o.oms_order_number AS ref,
            (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.id AND a.outcome = 'sent')::int AS sent,
            (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.id)::int AS logged
     FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE d.target = 'imshop'`,
  );
  let extraSends = 0;
  let unrecordedSends = 0;
  for (const d of deliveries) {
    const got = receivedByMessage.get(d.message) ?? 0;
    extraSends += Math.max(0, got - 1);
    unrecordedSends += Math.max(0, got - d.logged);
    if (d.state !== 'sent' && d.state !== 'superseded') problems.push(`delivery ${d.id} of ${d.ref} ended ${d.state}`);
    if (d.state === 'sent' && got === 0) problems.push(`delivery ${d.id} of ${d.ref} is sent but IMSHOP never received it`);
    if (d.sent > 1) problems.push(`delivery ${d.id} of ${d.ref} has ${d.sent} recorded successful attempts`);
  }
  for (const [order, message] of newest) {
    if (lastByOrder.get(order) !== message)
      problems.push(`order ${order}: IMSHOP last received ${lastByOrder.get(order) ?? 'nothing'}, its newest status is ${message}`);
  }
  const line = `faults[ordering] requests=${received.length} deliveries=${deliveries.length} extraSends=${extraSends} unrecordedSends=${unrecordedSends}`;
  console.log(line);
  return { problems, extraSends, unrecordedSends, requests: received.length, deliveries: deliveries.length };
}

/** A backlog of one status per order, PostgreSQL down for `outageMs` while it drains, then newer statuses for every order. */
async function outageWithBacklog(world: World, ports: number[], options: { orders: number; outageMs: number }) {
  const run = Date.now().toString(36);
  const orders = Array.from({ length: options.orders }, (_, i) => `LO-${run}-${i}`);
  const newest = new Map<string, string>();
  const backlog = startBurst(
    orders.map((order) => omsStatus(run, order, 'processing', 1, ports)),
    { concurrency: 10 },
  );
  await backlog.done;
  // The backlog drains at the peer's pace; PostgreSQL goes away while claimed deliveries are out.
  await until(() => world.fake.requests.length >= 3, 30_000, 'the first deliveries of the backlog');
  await world.pg.stop('immediate');
  await sleep(options.outageMs);
  await world.pg.start();
  // Newer statuses of every order, once the database is back: they must be IMSHOP's last word.
  const newer = startBurst(
    orders.map((order) => {
      const task = omsStatus(run, order, 'dispatched', 2, ports);
      newest.set(order, (task.items[0].body as { message: string }).message);
      return task;
    }),
    { concurrency: 10 },
  );
  await newer.done;
  expect(backlog.sent.every((s) => s.ok) && newer.sent.every((s) => s.ok)).toBe(true);
  await settle(world);
  return checkOrdering(world, newest);
}

describe('faults: PostgreSQL down longer than the delivery lease, with a claimed backlog', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('lease-outage');
  });
  afterAll(async () => {
    await world?.close();
  });

  it(
    "one instance: each delivery is sent at most once more than its unrecorded attempts, and IMSHOP ends on every order's newest status",
    async () => {
      const port = await freePort();
      // Lease: 1 s + 1 s; the outage (5 s) outlasts it.
      await world.startApp(port, { DELIVERY_TIMEOUT_MS: '1000', DELIVERY_CONCURRENCY: '1' });
      world.fake.respond(() => ({ status: 200, body: { success: true }, delayMs: 300 }));
      const check = await outageWithBacklog(world, [port], { orders: 30, outageMs: 5_000 });
      expect(check.problems).toEqual([]);
      // At most DELIVERY_CONCURRENCY (1) attempts of one worker were out when the database went.
      expect(check.unrecordedSends).toBeLessThanOrEqual(1);
      expect(check.extraSends).toBeLessThanOrEqual(check.unrecordedSends);
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe('faults: two instances on one database and queue, PostgreSQL down longer than the lease', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('lease-outage-two');
  });
  afterAll(async () => {
    await world?.close();
  });

  it(
    'sends at most one extra request per attempt out at the outage, and IMSHOP ends on the statuses posted after it',
    async () => {
      const [portA, portB] = [await freePort(), await freePort()];
      await world.startApp(portA, { DELIVERY_TIMEOUT_MS: '1000', DELIVERY_CONCURRENCY: '1' });
      await world.startApp(portB, { DELIVERY_TIMEOUT_MS: '1000', DELIVERY_CONCURRENCY: '10' });
      world.fake.respond(() => ({ status: 200, body: { success: true }, delayMs: 300 }));
      const check = await outageWithBacklog(world, [portA, portB], { orders: 40, outageMs: 5_000 });
      expect(check.problems).toEqual([]);
      expect(check.unrecordedSends).toBeLessThanOrEqual(1 + 10);
      expect(check.extraSends).toBeLessThanOrEqual(check.unrecordedSends);
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe('faults: a paused target, its probes, and a resume by hand', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('probes');
  });
  afterAll(async () => {
    await world?.close();
  });

  it(
    'probes spend none of the attempts of the delivery they try, and after the resume it is delivered at once',
    async () => {
      const port = await freePort();
      await world.startApp(port, {
        DELIVERY_MAX_ATTEMPTS: '3',
        // 0.5 s, then 30 s: after two failures the third attempt would wait 30 s
        DELIVERY_BACKOFF_MS: '500',
        DELIVERY_BACKOFF_MAX_MS: '3600000',
        PAUSE_AFTER_MINUTES: '0.005',
        TARGET_PROBE_INTERVAL_MS: '300',
      });
      let up = false;
      world.fake.respond(() => (up ? { status: 200, body: { success: true } } : { status: 503, body: { error: 'down' } }));
      const run = Date.now().toString(36);
      const task = omsStatus(run, `PR-${run}`, 'processing', 1, [port]);
      const posted = startBurst([task]);
      await posted.done;
      const message = (task.items[0].body as { message: string }).message;
      const probes = async () =>
        (
          await world.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE a.probe AND d.payload->>'message' = $1`,
            [message],
          )
        )[0].n;
      // More probes than DELIVERY_MAX_ATTEMPTS: they used to spend them, and the delivery then died unsent.
      await until(async () => (await probes()) >= 5, 30_000, 'five probes of the paused target');
      const [before] = await world.query<{ attempts: number; state: string }>(`SELECT attempts, state FROM deliveries WHERE payload->>'message' = $1`, [
        message,
      ]);
      expect(before.attempts).toBeLessThan(3);
      up = true;
      const resumedAt = Date.now();
      const resumed = await httpRequest(port, 'POST', '/admin/targets/imshop/resume', { headers: { 'X-Api-Key': ADMIN_KEY } });
      expect(resumed.status).toBe(200);
      await until(
        async () => (await world.query(`SELECT 1 FROM deliveries WHERE payload->>'message' = $1 AND state = 'sent'`, [message])).length === 1,
        5_000,
        'the probed delivery to be sent',
      );
      const deliveredMs = Date.now() - resumedAt;
      const [after] = await world.query<{ attempts: number }>(`SELECT attempts FROM deliveries WHERE payload->>'message' = $1`, [message]);
      console.log(
        `faults[probes] probes=${await probes()} attemptsBefore=${before.attempts} attemptsAfter=${after.attempts} deliveredAfterResumeMs=${deliveredMs}`,
      );
      expect(after.attempts).toBeLessThanOrEqual(3);
      expect((await world.query(`SELECT 1 FROM deliveries WHERE state = 'dead'`)).length).toBe(0);
      const last = world.fake.requests.filter((r) => r.path === '/statuses').at(-1)!;
      expect(last.body.message).toBe(message);
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe("faults: Market's steps through its rate limit and its refusals", () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('market-steps');
  });
  afterAll(async () => {
    await world?.close();
  });

  it(
    'never sends Market a skipped or out-of-order step: READY_TO_SHIP retried on 420, DELIVERY only after it, paths filled',
    async () => {
      const port = await freePort();
      const campaign = '21000555';
      /** Market's DBS model per order: a step it requires and has not had is refused with 400 (and counted). */
      const state = new Map<string, string>();
      const refusedSkips: string[] = [];
      const limited = new Map<string, number>();
      const next: Record<string, string> = {
        'PROCESSING/STARTED': 'PROCESSING/READY_TO_SHIP',
        'PROCESSING/READY_TO_SHIP': 'DELIVERY/',
        'DELIVERY/': 'DELIVERED/',
      };
      const marketAnswer = (req: ReceivedRequest) => {
        const match = /\/orders\/(\d+)\/status$/.exec(req.path);
        if (!match) return { status: 404, body: {} };
        const orderId = match[1];
        const step = `${req.body.order.status}/${req.body.order.substatus ?? ''}`;
        if (step === 'PROCESSING/READY_TO_SHIP' && (limited.get(orderId) ?? 0) < 2) {
          limited.set(orderId, (limited.get(orderId) ?? 0) + 1);
          return { status: 420, headers: { 'Retry-After': '1' }, body: { status: 'ERROR', errors: [{ code: 'LIMIT_EXCEEDED', message: 'Hit rate limit' }] } };
        }
        const now = state.get(orderId) ?? 'PROCESSING/STARTED';
        if (next[now] !== step) {
          refusedSkips.push(`${orderId}: ${step} after ${now}`);
          return { status: 400, body: { status: 'ERROR', errors: [{ code: 'STATUS_NOT_ALLOWED', message: `${step} after ${now}` }] } };
        }
        state.set(orderId, step);
        return { status: 200, body: { order: { id: Number(orderId), status: req.body.order.status, substatus: req.body.order.substatus } } };
      };
      world.fake.respond((req) => (req.path.startsWith('/v2/') ? marketAnswer(req) : { status: 200, body: { success: true } }));
      await world.startApp(port, { MARKET_API_URL: world.fake.url, MARKET_API_KEY: 'faults-market-key-0123456789' });
      const notify = (body: string) =>
        httpRequest(port, 'POST', '/market/notification', { headers: { 'Content-Type': 'application/json' }, json: JSON.parse(body) });
      const admin = (path: string, json: object) => httpRequest(port, 'POST', path, { headers: { 'X-Api-Key': ADMIN_KEY }, json });
      const base = 600_000_000 + Math.floor(Math.random() * 1_000_000);
      const orders = Array.from({ length: 12 }, (_, i) => String(base + i));
      let clock = Date.parse('2026-12-01T10:00:00Z');
      for (const orderId of orders) {
        expect(
          (
            await notify(
              `{"notificationType":"ORDER_CREATED","campaignId":${campaign},"orderId":${orderId},"items":[{"offerId":"SKU-1","count":1}],"createdAt":"${new Date((clock += 1000)).toISOString()}"}`,
            )
          ).status,
        ).toBe(200);
        expect(
          (
            await notify(
              `{"notificationType":"ORDER_STATUS_UPDATED","campaignId":${campaign},"orderId":${orderId},"status":"PROCESSING","substatus":"STARTED","updatedAt":"${new Date((clock += 1000)).toISOString()}"}`,
            )
          ).status,
        ).toBe(200);
      }
      const ids = new Map(
        (
          await world.query<{ id: string; market_order_id: string }>(`SELECT id, market_order_id::text FROM orders WHERE market_campaign_id = $1`, [campaign])
        ).map((o) => [o.market_order_id, o.id]),
      );
      // Half are assembled, then shipped a moment later (READY_TO_SHIP is still waiting out its 420s);
      // the other half are shipped straight from assembly (the path must send READY_TO_SHIP first).
      for (const [i, orderId] of orders.entries()) {
        if (i % 2 === 0)
          expect((await admin(`/admin/orders/${ids.get(orderId)}/status`, { status: 'READY_TO_SHIP', reason: 'assembled' })).status).toBeLessThan(300);
      }
      await sleep(300);
      for (const orderId of orders)
        expect((await admin(`/admin/orders/${ids.get(orderId)}/status`, { status: 'SHIPPED', reason: 'the courier took it' })).status).toBeLessThan(300);
      await until(
        async () => (await world.query(`SELECT 1 FROM deliveries WHERE target = 'market' AND state IN ('pending', 'retrying', 'in_flight')`)).length === 0,
        60_000,
        'the Market deliveries to settle',
        200,
      );
      const steps = await world.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM deliveries WHERE target = 'market' GROUP BY state`);
      const calls = world.fake.requests.filter((r) => r.path.startsWith('/v2/')).length;
      console.log(
        `faults[market-steps] calls=${calls} 420s=${[...limited.values()].reduce((a, b) => a + b, 0)} deliveries=${JSON.stringify(steps)} refused=${refusedSkips.length}`,
      );
      expect(refusedSkips).toEqual([]);
      expect(steps).toEqual([{ state: 'sent', n: orders.length * 2 }]);
      for (const orderId of orders) expect(state.get(orderId)).toBe('DELIVERY/');
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe('faults: ticket creation through an unreadable 2xx and a reset socket', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('tickets');
  });
  afterAll(async () => {
    await world?.close();
  });

  it(
    'creates each ticket at most once: an unreadable 2xx is not sent again; a reset reused socket is sent again once, fresh',
    async () => {
      const port = await freePort();
      await world.startApp(port, { IMSHOP_TICKETS_URL: `${world.fake.url}/tickets` });
      const tickets: string[] = [];
      let resetNext = false;
      world.fake.respond((req) => {
        if (req.path !== '/tickets') return { status: 200, body: { success: true } };
        if (req.body.orderId === 'UNREADABLE')
          return { status: 200, raw: '<html><body>OK from a proxy</body></html>', headers: { 'content-type': 'text/html' } };
        if (resetNext) {
          resetNext = false;
          return { drop: true };
        }
        tickets.push(req.body.orderId);
        return { status: 200, body: { success: true, status: 'created', ticketId: `rsp-${tickets.length}` } };
      });
      const create = (orderId: string, key: string) =>
        httpRequest(port, 'POST', '/tickets', {
          headers: { 'X-Api-Key': ADMIN_KEY, 'Idempotency-Key': key },
          json: { type: 'receive', orderId, storeId: '1456' },
        });
      const posts = (orderId: string) => world.fake.requests.filter((r) => r.path === '/tickets' && r.body.orderId === orderId).length;

      // An unreadable 2xx: IMSHOP may have created the ticket. Neither the repeat nor a third try sends it again.
      expect((await create('UNREADABLE', 'k-unreadable')).status).toBe(502);
      expect((await create('UNREADABLE', 'k-unreadable')).status).toBe(409);
      expect((await create('UNREADABLE', 'k-unreadable')).status).toBe(409);
      expect(posts('UNREADABLE')).toBe(1);
      const [request] = await world.query<{ state: string }>(`SELECT state FROM imshop_ticket_requests WHERE request_key = 'admin:k-unreadable'`);
      expect(request.state).toBe('sending');

      // A ticket on a fresh connection, then one on the same kept-alive connection, which IMSHOP's side resets
      // before answering (it closed it as it idled): sent again once, on a fresh socket; one ticket made.
      expect((await create('FIRST', 'k-first')).status).toBe(201);
      resetNext = true;
      const second = await create('SECOND', 'k-second');
      expect(second.status).toBe(201);
      expect(posts('SECOND')).toBe(2);
      expect(tickets.filter((t) => t === 'SECOND')).toHaveLength(1);
      const [created] = await world.query<{ state: string }>(`SELECT state FROM imshop_ticket_requests WHERE request_key = 'admin:k-second'`);
      expect(created.state).toBe('created');
    },
    SCENARIO_TIMEOUT_MS,
  );
});
