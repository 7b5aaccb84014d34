import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { TargetProbe } from '../src/outbox/target-probe';
import { eventually, startFakePeer, type FakePeer } from './support/fake-http-peer';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

const IMSHOP_KEY = 'imshop-test-key-0123456789';

function imshopEnv(fake: FakePeer, extra: Record<string, string> = {}) {
  return {
    IMSHOP_API_KEY: IMSHOP_KEY,
    IMSHOP_STATUS_URL: `${fake.url}/statuses`,
    DELIVERY_BACKOFF_MS: '40',
    DELIVERY_BACKOFF_MAX_MS: '200',
    DELIVERY_TIMEOUT_MS: '400',
    OUTBOX_SWEEP_MS: '200',
    MARKET_ALLOWED_CIDRS: '*',
    // the scheduled job stays out of the way; the tests run it through the admin API
    RETENTION_INTERVAL_MS: '0',
    ...extra,
  };
}

const ok = () => ({ status: 200, body: { success: true } });

function metric(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.indexOf('}'));
    if (wanted.every((pair) => inner.split(',').includes(pair))) return Number(line.slice(line.indexOf('}') + 1).trim());
  }
  return undefined;
}

describe('operations: replay, recovery, retention, admin validation', () => {
  let t: TestApp;
  let fake: FakePeer;
  const admin = {
    get: (path: string) => t.http().get(path).set('X-Api-Key', ADMIN_KEY),
    post: (path: string, body?: object) => t.http().post(path).set('X-Api-Key', ADMIN_KEY).set('X-Actor', 'ops-test').send(body),
    patch: (path: string, body: object) => t.http().patch(path).set('X-Api-Key', ADMIN_KEY).send(body),
  };
  const market = (body: object) => t.http().post('/market/notification').set('Content-Type', 'application/json').send(JSON.stringify(body));
  const oms = (body: object) => admin.post('/orders/status', body);
  const order = async (omsNumber: string) => (await t.db.query('SELECT * FROM orders WHERE oms_order_number = $1', [omsNumber]))[0] as Record<string, any>;
  const deliveriesOf = async (omsNumber: string) =>
    (await t.db.query(`SELECT d.* FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE o.oms_order_number = $1 ORDER BY d.id`, [omsNumber])) as Record<
      string,
      any
    >[];
  const codesSentFor = (omsNumber: string) => fake.requests.filter((r) => r.body?.id === omsNumber && r.path === '/statuses').map((r) => r.body.code as string);
  const settled = async (omsNumbers: string[]) =>
    eventually(async () => {
      for (const n of omsNumbers) if ((await deliveriesOf(n)).some((d) => d.state === 'pending' || d.state === 'retrying')) return false;
      return true;
    });
  const count = async (sql: string, params: unknown[] = []) => (await t.db.query(sql, params))[0].n as number;

  beforeAll(async () => {
    fake = await startFakePeer(() => ({ success: true }));
    fake.respond(ok);
    t = await startTestApp(imshopEnv(fake, { REPLAY_SYNC_LIMIT: '3', RETENTION_BATCH_SIZE: '2' }));
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  describe('replay of inbound events', () => {
    const campaign = '555000';
    /** Orders known to the OMS, the app (an IMSHOP uuid) and Market, so a Market status reaches IMSHOP. */
    const linked = async (omsNumber: string, marketId: string) =>
      t.db.query(
        `INSERT INTO orders (oms_order_number, imshop_uuid, market_campaign_id, market_order_id, status, version) VALUES ($1, gen_random_uuid(), $2, $3, 'PROCESSING', 1)`,
        [omsNumber, campaign, marketId],
      );
    const statusUpdate = (marketId: string, status: string, substatus: string, updatedAt: string) => ({
      notificationType: 'ORDER_STATUS_UPDATED',
      campaignId: Number(campaign),
      orderId: Number(marketId),
      status,
      substatus,
      updatedAt,
    });
    let readyRow: { id: number; version: number };
    let dayStart: string;
    let dayEnd: string;

    it('after a mapping fix, changes exactly the affected orders and pushes their new statuses once; the same replay again changes nothing', async () => {
      await linked('RP-A', '7001');
      await linked('RP-B', '7002');
      await linked('RP-C', '7003');
      await linked('RP-D', '7004');
      const rows = (await admin.get('/admin/status-mappings?source=market')).body as any[];
      const row = rows.find((r) => r.externalCode === 'PROCESSING' && r.externalSubstatus === 'READY_TO_SHIP');
      // the wrong row: "ready to ship" recorded as plain PROCESSING
      const broken = await admin.patch(`/admin/status-mappings/${row.id}`, { internalStatus: 'PROCESSING' });
      expect(broken.status).toBe(200);

      dayStart = new Date(Date.now() - 1000).toISOString();
      for (const [id, status, sub] of [
        ['7001', 'PROCESSING', 'READY_TO_SHIP'],
        ['7002', 'PROCESSING', 'READY_TO_SHIP'],
        ['7003', 'DELIVERY', 'DELIVERY_SERVICE_RECEIVED'],
        ['7004', 'PROCESSING', 'STARTED'],
      ]) {
        expect((await market(statusUpdate(id, status, sub, '2026-11-24T10:00:00Z'))).status).toBe(200);
      }
      await new Promise((r) => setTimeout(r, 20));
      dayEnd = new Date().toISOString();
      await settled(['RP-A', 'RP-B', 'RP-C', 'RP-D']);
      expect((await order('RP-A')).status).toBe('PROCESSING');
      expect((await order('RP-C')).status).toBe('SHIPPED');
      expect(codesSentFor('RP-A')).toEqual([]);
      expect(codesSentFor('RP-C')).toEqual(['dispatched']);

      const fixed = await admin.patch(`/admin/status-mappings/${row.id}`, { internalStatus: 'READY_TO_SHIP' });
      expect(fixed.status).toBe(200);
      readyRow = { id: row.id, version: fixed.body.version };

      // 4 events > REPLAY_SYNC_LIMIT (3): a background run, its progress in the admin API
      const started = await admin.post('/admin/events/replay', { source: 'market', since: dayStart, until: dayEnd });
      expect(started.status).toBe(202);
      expect(started.body).toEqual(expect.objectContaining({ id: expect.any(String), state: 'running', matched: 4, background: true, actor: 'ops-test' }));
      const run = await eventually(async () => {
        const res = await admin.get(`/admin/events/replay/${started.body.id}`);
        return res.body.state === 'done' ? res.body : undefined;
      });
      expect(run).toEqual(expect.objectContaining({ matched: 4, processed: 4, applied: 2, unchanged: 2, failed: 0 }));
      expect(run.outcomes).toEqual({ applied: 2, unchanged: 2 });

      expect((await order('RP-A')).status).toBe('READY_TO_SHIP');
      expect((await order('RP-B')).status).toBe('READY_TO_SHIP');
      expect((await order('RP-C')).status).toBe('SHIPPED');
      expect((await order('RP-D')).status).toBe('PROCESSING');
      await settled(['RP-A', 'RP-B', 'RP-C', 'RP-D']);
      expect(codesSentFor('RP-A')).toEqual(['ready_to_dispatch']);
      expect(codesSentFor('RP-B')).toEqual(['ready_to_dispatch']);
      expect(codesSentFor('RP-C')).toEqual(['dispatched']);
      expect(codesSentFor('RP-D')).toEqual([]);
      const historyA = (await t.db.query('SELECT dedupe_key, outcome FROM order_history WHERE order_id = $1 ORDER BY id', [(await order('RP-A')).id])) as any[];
      expect(historyA.at(-1)).toEqual({ dedupe_key: expect.stringMatching(/^replay:\d+:market:/), outcome: 'applied' });

      // the same replay (same mapping revision) again: nothing applies, nothing is pushed
      const again = await admin.post('/admin/events/replay', { source: 'market', since: dayStart, until: dayEnd });
      const second = await eventually(async () => {
        const res = await admin.get(`/admin/events/replay/${again.body.id}`);
        return res.body.state === 'done' ? res.body : undefined;
      });
      expect(second).toEqual(expect.objectContaining({ matched: 4, applied: 0, unchanged: 4, failed: 0, outcomes: { duplicate: 4 } }));
      await new Promise((r) => setTimeout(r, 300));
      expect(codesSentFor('RP-A')).toEqual(['ready_to_dispatch']);
      expect(codesSentFor('RP-B')).toEqual(['ready_to_dispatch']);

      const listed = await admin.get('/admin/events/replay');
      expect(listed.body.map((r: any) => r.id)).toEqual(expect.arrayContaining([started.body.id, again.body.id]));
    });

    it('a replay of an old range never moves an order back, and sends no stale status', async () => {
      // RP-A moves on: shipped (a later event)
      expect((await market(statusUpdate('7001', 'DELIVERY', 'DELIVERY_SERVICE_RECEIVED', '2026-11-25T09:00:00Z'))).status).toBe(200);
      await settled(['RP-A']);
      expect((await order('RP-A')).status).toBe('SHIPPED');
      // another mapping edit bumps the revision, so the old range replays under a new key
      const bumped = await admin.patch(`/admin/status-mappings/${readyRow.id}`, { attention: true });
      expect(bumped.status).toBe(200);
      const res = await admin.post('/admin/events/replay', { source: 'market', since: dayStart, until: dayEnd });
      const run = await eventually(async () => {
        const r = await admin.get(`/admin/events/replay/${res.body.id}`);
        return r.body.state === 'done' ? r.body : undefined;
      });
      expect(run).toEqual(expect.objectContaining({ matched: 4, applied: 0, failed: 0 }));
      expect(run.outcomes.stale).toBe(1);
      expect((await order('RP-A')).status).toBe('SHIPPED');
      await new Promise((r) => setTimeout(r, 300));
      await settled(['RP-A']);
      expect(codesSentFor('RP-A')).toEqual(['ready_to_dispatch', 'dispatched']);
      const staleRow = (await t.db.query(`SELECT outcome FROM order_history WHERE dedupe_key LIKE 'replay:%' AND order_id = $1 ORDER BY id DESC LIMIT 1`, [
        (await order('RP-A')).id,
      ])) as any[];
      expect(staleRow[0].outcome).toBe('stale');
    });

    it('replays IMSHOP ticket events by id, synchronously, through the ticket code path', async () => {
      await t.db.query(`INSERT INTO orders (oms_order_number, status, version) VALUES ('RP-T', 'READY_TO_SHIP', 1)`);
      const hook = await t
        .http()
        .post('/imshop/tickets/status')
        .set('Authorization', `Bearer ${IMSHOP_KEY}`)
        .send({ ticketId: 'RP-T-ship', orderId: 'RP-T', storeId: '1456', status: 'shipped', metadata: { timestamp: '1764000000' } });
      expect(hook.status).toBe(200);
      await settled(['RP-T']);
      expect((await order('RP-T')).status).toBe('SHIPPED');
      const [{ id }] = await t.db.query(
        `SELECT e.id FROM imshop_ticket_events e JOIN imshop_tickets k ON k.id = e.ticket_id WHERE k.imshop_ticket_id = 'RP-T-ship'`,
      );
      const res = await admin.post('/admin/events/replay', { source: 'imshop_ticket', ids: [String(id), '999999'] });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.objectContaining({
          state: 'done',
          background: false,
          matched: 1,
          processed: 1,
          applied: 0,
          unchanged: 1,
          failed: 0,
          outcomes: { unchanged: 1 },
        }),
      );
      expect(codesSentFor('RP-T')).toEqual(['dispatched']);
    });

    it('validates the replay request, naming the fields', async () => {
      const missing = await admin.post('/admin/events/replay', { since: '2026-11-24T00:00:00Z' });
      expect(missing.status).toBe(400);
      expect(JSON.stringify(missing.body.message)).toContain('source');
      const both = await admin.post('/admin/events/replay', { source: 'market', ids: ['1'], since: '2026-11-24T00:00:00Z' });
      expect(both.status).toBe(400);
      expect(JSON.stringify(both.body.message)).toContain('ids');
      const neither = await admin.post('/admin/events/replay', { source: 'market' });
      expect(neither.status).toBe(400);
      expect(JSON.stringify(neither.body.message)).toContain('since');
      const badIds = await admin.post('/admin/events/replay', { source: 'market', ids: ['abc'] });
      expect(badIds.status).toBe(400);
      expect(JSON.stringify(badIds.body.message)).toContain('ids');
      const badTime = await admin.post('/admin/events/replay', { source: 'imshop_ticket', since: 'yesterday' });
      expect(badTime.status).toBe(400);
      expect(JSON.stringify(badTime.body.message)).toContain('since');
      const backwards = await admin.post('/admin/events/replay', { source: 'market', since: '2026-11-25T00:00:00Z', until: '2026-11-24T00:00:00Z' });
      expect(backwards.status).toBe(400);
      expect(JSON.stringify(backwards.body.message)).toContain('until');
      const unknownSource = await admin.post('/admin/events/replay', { source: 'oms', since: '2026-11-24T00:00:00Z' });
      expect(unknownSource.status).toBe(400);
      expect(JSON.stringify(unknownSource.body.message)).toContain('source');
      expect((await admin.get('/admin/events/replay/999999')).status).toBe(404);
      expect((await admin.get('/admin/events/replay/abc')).status).toBe(400);
      expect((await t.http().post('/admin/events/replay').send({ source: 'market', since: '2026-11-24T00:00:00Z' })).status).toBe(401);
    });
  });

  describe('recovery of dead deliveries', () => {
    it('re-enqueues the dead deliveries of a target in a time range, skipping those a newer status supersedes', async () => {
      const since = new Date(Date.now() - 1000).toISOString();
      fake.respond((req) => (String(req.body?.id).startsWith('RC-') ? { status: 400, body: { success: false, message: 'refused by the test' } } : ok()));
      await oms({ id: 'RC-1', code: 'processing' });
      await eventually(async () => (await deliveriesOf('RC-1'))[0]?.state === 'dead');
      await oms({ id: 'RC-1', code: 'ready_for_pickup' });
      await oms({ id: 'RC-2', code: 'processing' });
      await eventually(async () => (await deliveriesOf('RC-1'))[1]?.state === 'dead' && (await deliveriesOf('RC-2'))[0]?.state === 'dead');
      expect(codesSentFor('RC-1')).toEqual(['processing', 'ready_for_pickup']);

      fake.respond(ok);
      const res = await admin.post('/admin/deliveries/recover', { target: 'imshop', since });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ target: 'imshop', matched: 3, recovered: 2, superseded: 1, targetPaused: false });
      await eventually(async () => (await deliveriesOf('RC-1'))[1].state === 'sent' && (await deliveriesOf('RC-2'))[0].state === 'sent');
      expect((await deliveriesOf('RC-1'))[0].state).toBe('dead');
      expect(codesSentFor('RC-1')).toEqual(['processing', 'ready_for_pickup', 'ready_for_pickup']);
      expect(codesSentFor('RC-2')).toEqual(['processing', 'processing']);

      // a range before the deaths matches nothing
      const none = await admin.post('/admin/deliveries/recover', { target: 'imshop', since: '2020-01-01T00:00:00Z', until: '2020-01-02T00:00:00Z' });
      expect(none.body).toEqual(expect.objectContaining({ matched: 0, recovered: 0 }));
    });

    it('validates the recovery request, naming the fields', async () => {
      const noSince = await admin.post('/admin/deliveries/recover', { target: 'imshop' });
      expect(noSince.status).toBe(400);
      expect(JSON.stringify(noSince.body.message)).toContain('since');
      const badTarget = await admin.post('/admin/deliveries/recover', { target: 'IMSHOP!', since: '2026-11-24T00:00:00Z' });
      expect(badTarget.status).toBe(400);
      expect(JSON.stringify(badTarget.body.message)).toContain('target');
      const unknown = await admin.post('/admin/deliveries/recover', { target: 'nosuch', since: '2026-11-24T00:00:00Z' });
      expect(unknown.status).toBe(400);
      expect(JSON.stringify(unknown.body.message)).toContain('target');
      const backwards = await admin.post('/admin/deliveries/recover', { target: 'imshop', since: '2026-11-25T00:00:00Z', until: '2026-11-24T00:00:00Z' });
      expect(backwards.status).toBe(400);
      expect(JSON.stringify(backwards.body.message)).toContain('until');
      const extra = await admin.post('/admin/deliveries/recover', { target: 'imshop', since: '2026-11-24T00:00:00Z', state: 'dead' });
      expect(extra.status).toBe(400);
      expect(JSON.stringify(extra.body.message)).toContain('state');
    });
  });

  describe('retention', () => {
    it('deletes only old events, old attempts and superseded old deliveries, in batches, never orders, history or the latest delivery', async () => {
      const days = (n: number) => `now() - interval '${n} days'`;
      // inbound events: 5 old Market events (more than one batch of 2), 1 recent
      for (let i = 0; i < 5; i++) {
        await t.db.query(
          `INSERT INTO market_events (dedupe_key, notification_type, known, outcome, payload, received_at) VALUES ($1, 'CHAT_CREATED', true, 'stored', '{}', ${days(91)})`,
          [`ret-old-${i}`],
        );
      }
      await t.db.query(
        `INSERT INTO market_events (dedupe_key, notification_type, known, outcome, payload, received_at) VALUES ('ret-new', 'CHAT_CREATED', true, 'stored', '{}', ${days(89)})`,
      );
      const [{ id: ticketId }] = await t.db.query(
        `INSERT INTO imshop_tickets (imshop_ticket_id, oms_order_number, store_id, created_by_us) VALUES ('RET-T', 'RET-1', '1', false) RETURNING id`,
      );
      await t.db.query(
        `INSERT INTO imshop_ticket_events (ticket_id, status, event_at, dedupe_key, outcome, received_at) VALUES ($1, 'done', now(), 'ret-t-old', 'recorded', ${days(120)})`,
        [ticketId],
      );
      await t.db.query(
        `INSERT INTO imshop_ticket_events (ticket_id, status, event_at, dedupe_key, outcome, received_at) VALUES ($1, 'done', now(), 'ret-t-new', 'recorded', now())`,
        [ticketId],
      );

      // an order with three sent deliveries, then backdated: the two older ones go, the latest stays
      for (const code of ['processing', 'ready_to_dispatch', 'dispatched']) {
        await oms({ id: 'RET-1', code });
        await eventually(async () => (await deliveriesOf('RET-1')).every((d) => d.state === 'sent' || d.state === 'superseded'));
      }
      const ret = await deliveriesOf('RET-1');
      expect(ret).toHaveLength(3);
      const orderId = ret[0].order_id;
      await t.db.query(`UPDATE deliveries SET created_at = ${days(40)}, updated_at = ${days(40)} WHERE order_id = $1`, [orderId]);
      await t.db.query(`UPDATE delivery_attempts SET started_at = ${days(31)} WHERE delivery_id = ANY($1::bigint[])`, [ret.map((d) => d.id)]);
      await t.db.query(`UPDATE order_history SET received_at = ${days(400)}, event_at = ${days(400)} WHERE order_id = $1`, [orderId]);
      // a waiting delivery, old but never deleted (and not due, so no worker sends it meanwhile)
      await t.db.query(
        `INSERT INTO deliveries (order_id, target, change_seq, internal_status, payload, state, next_attempt_at, created_at, updated_at)
         VALUES ($1, 'market', 1, 'PROCESSING', '{}', 'pending', now() + interval '1 day', ${days(50)}, ${days(50)})`,
        [orderId],
      );
      const recentAttempts = await count("SELECT count(*)::int AS n FROM delivery_attempts WHERE started_at > now() - interval '1 day'");
      const before = {
        orders: await count('SELECT count(*)::int AS n FROM orders'),
        history: await count('SELECT count(*)::int AS n FROM order_history'),
      };

      // exactly one instance at a time: while another holds the lock, the job does nothing (409)
      const other = new pg.Client({ connectionString: t.config.databaseUrl });
      await other.connect();
      try {
        await other.query(`SELECT pg_advisory_lock(hashtextextended('order-sync:retention', 0))`);
        const busy = await admin.post('/admin/retention/run');
        expect(busy.status).toBe(409);
        expect(await count(`SELECT count(*)::int AS n FROM market_events WHERE dedupe_key LIKE 'ret-old-%'`)).toBe(5);
      } finally {
        await other.end();
      }

      const res = await admin.post('/admin/retention/run');
      expect(res.status).toBe(200);
      expect(res.body.ran).toBe(true);
      expect(res.body.deleted).toEqual({ market_events: 5, imshop_ticket_events: 1, delivery_attempts: 3, deliveries: 2, replay_runs: 0 });
      expect(await count(`SELECT count(*)::int AS n FROM market_events WHERE dedupe_key LIKE 'ret-%'`)).toBe(1);
      expect((await t.db.query(`SELECT dedupe_key FROM imshop_ticket_events WHERE dedupe_key LIKE 'ret-t-%'`)).map((r: any) => r.dedupe_key)).toEqual([
        'ret-t-new',
      ]);
      const left = await t.db.query('SELECT id, state, target FROM deliveries WHERE order_id = $1 ORDER BY id', [orderId]);
      expect(left.map((d: any) => d.id)).toEqual([ret[2].id, expect.any(String)]);
      expect(left[1]).toEqual(expect.objectContaining({ state: 'pending', target: 'market' }));
      expect(await count("SELECT count(*)::int AS n FROM delivery_attempts WHERE started_at > now() - interval '1 day'")).toBe(recentAttempts);
      expect(await count('SELECT count(*)::int AS n FROM orders')).toBe(before.orders);
      expect(await count('SELECT count(*)::int AS n FROM order_history')).toBe(before.history);

      const scrape = await t.http().get('/metrics').set('X-Api-Key', ADMIN_KEY);
      expect(metric(scrape.text, 'order_sync_retention_deleted_total', { table: 'market_events' })).toBe(5);
      expect(metric(scrape.text, 'order_sync_retention_deleted_total', { table: 'deliveries' })).toBe(2);

      // nothing more to delete: a second run deletes nothing
      const again = await admin.post('/admin/retention/run');
      expect(Object.values(again.body.deleted as Record<string, number>).every((n) => n === 0)).toBe(true);
    });
  });
});

describe('endpoint health: pausing a failing target and resuming it', () => {
  let t: TestApp;
  let fake: FakePeer;
  const admin = {
    get: (path: string) => t.http().get(path).set('X-Api-Key', ADMIN_KEY),
    post: (path: string, body?: object) => t.http().post(path).set('X-Api-Key', ADMIN_KEY).set('X-Actor', 'ops-test').send(body),
  };
  const oms = (body: object) => admin.post('/orders/status', body);
  const deliveriesOf = async (omsNumber: string) =>
    (await t.db.query(`SELECT d.* FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE o.oms_order_number = $1 ORDER BY d.id`, [omsNumber])) as Record<
      string,
      any
    >[];
  const requestsFor = (omsNumber: string) => fake.requests.filter((r) => r.body?.id === omsNumber);
  const imshopTarget = async () => ((await admin.get('/admin/targets')).body as any[]).find((x) => x.target === 'imshop');

  beforeAll(async () => {
    fake = await startFakePeer(() => ({ success: true }));
    t = await startTestApp(
      imshopEnv(fake, {
        // a test-shortened window: 0.01 minutes = 600 ms of continuous failure pauses the target
        PAUSE_AFTER_MINUTES: '0.01',
        TARGET_PROBE_INTERVAL_MS: '400',
        DELIVERY_MAX_ATTEMPTS: '100',
      }),
    );
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('pauses IMSHOP after failing continuously, holds new deliveries as pending, and resumes by itself with nothing lost and no stale status', async () => {
    let up = false;
    fake.respond(() => (up ? ok() : { status: 503, body: { error: 'down for maintenance' } }));
    await oms({ id: 'PZ-1', code: 'processing' });
    const paused = await eventually(async () => {
      const target = await imshopTarget();
      return target?.paused ? target : undefined;
    }, 10_000);
    expect(paused).toEqual(
      expect.objectContaining({ target: 'imshop', paused: true, pauseReason: 'auto', failingSince: expect.any(String), lastError: expect.any(String) }),
    );
    expect(paused.consecutiveFailures).toBeGreaterThan(1);
    const health = await t.http().get('/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('degraded');
    expect(health.body.checks.targets).toEqual({ status: 'paused', paused: [expect.objectContaining({ target: 'imshop', reason: 'auto' })] });

    // while paused: new changes wait as pending; only the probe (one delivery every 400 ms) reaches IMSHOP
    await oms({ id: 'PZ-1', code: 'ready_for_pickup' });
    await oms({ id: 'PZ-2', code: 'processing' });
    const before = fake.requests.length;
    const since = Date.now();
    await new Promise((r) => setTimeout(r, 1200));
    const during = fake.requests.slice(before);
    expect(during.length).toBeLessThanOrEqual(Math.ceil((Date.now() - since) / 400) + 1);
    expect(during.every((r) => r.body.id === 'PZ-1' && r.body.code === 'ready_for_pickup')).toBe(true);
    const [waiting] = await deliveriesOf('PZ-2');
    expect(waiting).toEqual(expect.objectContaining({ state: 'pending', attempts: 0 }));
    expect((await t.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE state = 'dead'`))[0].n).toBe(0);

    // IMSHOP is back: the probe's delivery succeeds, the target resumes, the rest is sent
    up = true;
    const sentAt = fake.requests.length;
    await eventually(async () => !(await imshopTarget()).paused, 10_000);
    await eventually(async () => {
      const rows = [...(await deliveriesOf('PZ-1')), ...(await deliveriesOf('PZ-2'))];
      return rows.every((d) => d.state === 'sent' || d.state === 'superseded');
    });
    expect((await deliveriesOf('PZ-1')).map((d) => d.state)).toEqual(['superseded', 'sent']);
    expect((await deliveriesOf('PZ-2')).map((d) => d.state)).toEqual(['sent']);
    const after = fake.requests.slice(sentAt);
    // once IMSHOP answers, it hears each order's newest status once, never the older one
    expect(after.filter((r) => r.body.id === 'PZ-1').map((r) => r.body.code)).toEqual(['ready_for_pickup']);
    expect(after.filter((r) => r.body.id === 'PZ-2').map((r) => r.body.code)).toEqual(['processing']);
    const lastCode = requestsFor('PZ-1').at(-1)!.body.code;
    expect(lastCode).toBe('ready_for_pickup');

    const target = await imshopTarget();
    expect(target).toEqual(
      expect.objectContaining({ paused: false, failingSince: null, consecutiveFailures: 0, waiting: 0, dead: 0, lastSuccessAt: expect.any(String) }),
    );
    expect((await t.http().get('/health')).body.status).toBe('ok');
    const scrape = (await t.http().get('/metrics').set('X-Api-Key', ADMIN_KEY)).text;
    expect(metric(scrape, 'order_sync_target_pauses_total', { target: 'imshop', reason: 'auto' })).toBe(1);
    expect(metric(scrape, 'order_sync_target_resumes_total', { target: 'imshop', reason: 'probe' })).toBe(1);
    expect(metric(scrape, 'order_sync_target_paused', { target: 'imshop' })).toBe(0);
  });

  it('lets an admin pause and resume a target by hand; the probe leaves a manual pause alone', async () => {
    fake.respond(ok);
    const paused = await admin.post('/admin/targets/imshop/pause');
    expect(paused.status).toBe(200);
    expect(paused.body).toEqual(expect.objectContaining({ target: 'imshop', paused: true, pauseReason: 'manual', pausedBy: 'ops-test' }));
    expect((await admin.post('/admin/targets/imshop/pause')).status).toBe(200); // again: no change

    await oms({ id: 'PZ-3', code: 'processing' });
    expect(await t.app.get(TargetProbe).tick()).toEqual({});
    await new Promise((r) => setTimeout(r, 900));
    expect(requestsFor('PZ-3')).toHaveLength(0);
    expect((await deliveriesOf('PZ-3'))[0]).toEqual(expect.objectContaining({ state: 'pending', attempts: 0 }));
    expect((await imshopTarget()).waiting).toBe(1);

    const resumed = await admin.post('/admin/targets/imshop/resume');
    expect(resumed.status).toBe(200);
    expect(resumed.body.paused).toBe(false);
    await eventually(async () => (await deliveriesOf('PZ-3'))[0].state === 'sent');
    expect(requestsFor('PZ-3')).toHaveLength(1);
    expect((await admin.post('/admin/targets/imshop/resume')).status).toBe(200); // not paused: no change

    expect((await admin.post('/admin/targets/nosuch/pause')).status).toBe(404);
    const bad = await admin.post('/admin/targets/NO!/resume');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.message)).toContain('target');
    expect((await t.http().get('/admin/targets')).status).toBe(401);
  });
});
