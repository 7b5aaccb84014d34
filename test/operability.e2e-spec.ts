import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { logCollector } from './support/log-collector';
import { eventually, startFakePeer, type FakePeer } from './support/fake-http-peer';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

const IMSHOP_KEY = 'imshop-operability-key-0123';
const METRICS_TOKEN = 'metrics-scrape-token-0123456';

describe('operability: metrics, logs, headers, rate limit, queue dashboard', () => {
  let t: TestApp;
  let fake: FakePeer;
  const logs = logCollector();
  const metric = (text: string, name: string, labels: Record<string, string>) => {
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
    return line ? Number(line.split(' ').at(-1)) : undefined;
  };
  const scrape = async () => (await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`)).text;
  const market = (body: object, ip = '5.45.207.10') =>
    t.http().post('/market/notification').set('X-Forwarded-For', ip).set('Content-Type', 'application/json').send(JSON.stringify(body));

  beforeAll(async () => {
    fake = await startFakePeer();
    t = await startTestApp(
      {
        LOG_LEVEL: 'info',
        TRUST_PROXY: 'loopback',
        METRICS_TOKEN,
        ADMIN_RATE_LIMIT: '40',
        IMSHOP_API_KEY: IMSHOP_KEY,
        IMSHOP_STATUS_URL: `${fake.url}/statuses`,
        DELIVERY_BACKOFF_MS: '40',
      },
      undefined,
      { logDestination: logs.stream },
    );
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('counts one webhook by endpoint, type and outcome, with its latency, duplicates, rejections and mapping misses', async () => {
    const event = {
      notificationType: 'ORDER_STATUS_UPDATED',
      campaignId: 5,
      orderId: 70,
      status: 'PROCESSING',
      substatus: 'STARTED',
      updatedAt: '2026-11-24T10:00:00Z',
    };
    expect((await market(event)).status).toBe(200);
    expect((await market(event)).status).toBe(200);
    expect((await market({ ...event, orderId: 71, status: 'TELEPORTED' })).status).toBe(200);
    expect((await market({ notificationType: 'ORDER_STATUS_UPDATED', campaignId: 5 })).status).toBe(400);
    expect((await market(event, '8.8.8.8')).status).toBe(403);

    const text = await scrape();
    expect(metric(text, 'order_sync_webhook_requests_total', { endpoint: 'market', type: 'ORDER_STATUS_UPDATED', outcome: 'applied' })).toBe(1);
    expect(metric(text, 'order_sync_webhook_requests_total', { endpoint: 'market', type: 'ORDER_STATUS_UPDATED', outcome: 'duplicate' })).toBe(1);
    expect(metric(text, 'order_sync_webhook_duplicates_total', { endpoint: 'market' })).toBe(1);
    expect(metric(text, 'order_sync_webhook_requests_total', { endpoint: 'market', type: 'ORDER_STATUS_UPDATED', outcome: 'unmapped' })).toBe(1);
    expect(metric(text, 'order_sync_mapping_misses_total', { source: 'market' })).toBe(1);
    expect(metric(text, 'order_sync_webhook_rejections_total', { endpoint: 'market', reason: 'wrong_event_format' })).toBe(1);
    expect(metric(text, 'order_sync_webhook_rejections_total', { endpoint: 'market', reason: 'forbidden_source' })).toBe(1);
    expect(metric(text, 'order_sync_webhook_duration_seconds_count', { endpoint: 'market', type: 'ORDER_STATUS_UPDATED' })).toBe(3);
    expect(text).toContain('order_sync_queue_jobs{');
    expect(text).toContain('order_sync_process_cpu_user_seconds_total');
  });

  it('counts deliveries by state and attempts, and the age of the oldest pending one', async () => {
    fake.respond(() => ({ status: 500 }));
    const res = await t.http().post('/orders/status').set('X-Api-Key', ADMIN_KEY).send({ id: 'OPS-1', code: 'processing' });
    expect(res.status).toBe(200);
    await eventually(async () => metric(await scrape(), 'order_sync_delivery_attempts_total', { target: 'imshop', outcome: 'retry' }));
    const text = await scrape();
    // Waiting for its next attempt, or already in it (the first retry comes after 40 ms).
    const waiting = ['retrying', 'in_flight'].map((state) => metric(text, 'order_sync_deliveries', { target: 'imshop', state }) ?? 0);
    expect(waiting[0] + waiting[1]).toBe(1);
    expect(metric(text, 'order_sync_oldest_pending_delivery_age_seconds', { target: 'imshop' })).toBeGreaterThanOrEqual(0);
    fake.respond(() => ({ status: 200, body: { success: true } }));
    await eventually(async () => metric(await scrape(), 'order_sync_deliveries', { target: 'imshop', state: 'sent' }) === 1);
  });

  it('refuses /metrics without the admin key or the metrics token', async () => {
    expect((await t.http().get('/metrics')).status).toBe(401);
    expect((await t.http().get('/metrics').set('Authorization', 'Bearer wrong-token-wrong-token')).status).toBe(401);
    expect((await t.http().get('/metrics').set('X-Api-Key', ADMIN_KEY)).status).toBe(200);
  });

  it('logs JSON lines with the request id, carries it into the delivery worker, and redacts secrets', async () => {
    const res = await t
      .http()
      .post('/orders/status')
      .set('Authorization', `Bearer ${ADMIN_KEY}`)
      .set('X-Request-Id', 'req-ops-42')
      .send({ id: 'OPS-2', code: 'processing' });
    expect(res.headers['x-request-id']).toBe('req-ops-42');
    await eventually(async () => logs.lines.find((l) => l.requestId === 'req-ops-42' && /delivery \d+ to imshop, attempt 1: sent/.test(l.msg)));
    const access = logs.lines.find((l) => l.req?.id === 'req-ops-42' && l.res);
    expect(access).toEqual(expect.objectContaining({ level: 30, service: 'order-sync', responseTime: expect.any(Number) }));
    expect(access.req.headers.authorization).toBe('[redacted]');
    expect(access.res.statusCode).toBe(200);

    await t.http().get('/admin/orders').set('X-Api-Key', ADMIN_KEY).set('X-Request-Id', 'req-ops-43');
    expect(logs.lines.find((l) => l.req?.id === 'req-ops-43').req.headers['x-api-key']).toBe('[redacted]');
    const everything = logs.raw.join('\n');
    expect(everything).not.toContain(ADMIN_KEY);
    expect(everything).not.toContain(IMSHOP_KEY);
    expect(everything).not.toContain(METRICS_TOKEN);
    expect(everything).not.toContain('/statuses');
  });

  it('sets security headers on admin and docs, and no CORS headers', async () => {
    for (const path of ['/admin/orders', '/docs/']) {
      const res = await t.http().get(path).set('X-Api-Key', ADMIN_KEY).set('Origin', 'https://evil.example');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['content-security-policy']).toBeDefined();
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    const preflight = await t.http().options('/admin/orders').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'GET');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves the queue dashboard behind the admin key (header or Basic password)', async () => {
    const anonymous = await t.http().get('/admin/queues');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toContain('Basic');
    const basic = await t.http().get('/admin/queues').auth('ops', ADMIN_KEY);
    expect(basic.status).toBe(200);
    expect(basic.text).toContain('<html');
    const api = await t.http().get('/admin/queues/api/queues').set('X-Api-Key', ADMIN_KEY);
    expect(api.status).toBe(200);
    expect(JSON.stringify(api.body)).toContain('deliveries');
  });

  it('rate-limits the admin API per client, not the webhooks', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++)
      statuses.push((await t.http().get('/admin/status-mappings?target=imshop').set('X-Api-Key', ADMIN_KEY).set('X-Forwarded-For', '10.9.9.9')).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const limited = await t.http().get('/admin/orders').set('X-Api-Key', ADMIN_KEY).set('X-Forwarded-For', '10.9.9.9');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await t.http().get('/admin/orders').set('X-Api-Key', ADMIN_KEY).set('X-Forwarded-For', '10.9.9.10')).status).toBe(200);
    for (let i = 0; i < 45; i++) expect((await market({ notificationType: 'PING' }, '5.45.207.11')).status).toBe(200);
    // the OMS's status intake uses the admin key but is never turned away for being busy
    for (let i = 0; i < 45; i++) {
      const res = await t
        .http()
        .post('/orders/status')
        .set('X-Api-Key', ADMIN_KEY)
        .set('X-Forwarded-For', '10.9.9.9')
        .send({ id: `OMS-BUSY-${i}`, code: 'processing' });
      expect(res.status).toBe(200);
    }
  });

  it('counts failed admin logins on every door, and past the limit answers 429 before looking at the key', async () => {
    const wrong = 'wrong-admin-key-0123456789';
    const statuses = async (send: () => Promise<{ status: number }>, times: number) => {
      const seen: number[] = [];
      for (let i = 0; i < times; i++) seen.push((await send()).status);
      return seen;
    };
    // (/metrics answers its errors as JSON under its text/plain content type: read the text)
    const expectLimited = (res: { status: number; headers: Record<string, string>; text: string }) => {
      expect({ status: res.status, body: JSON.parse(res.text) }).toEqual({
        status: 429,
        body: expect.objectContaining({ message: expect.stringMatching(/failed admin logins/) }),
      });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    };

    // the admin API: every request counts, wrong keys included (they were refused before being counted)
    const admin = (key: string) => t.http().get('/admin/orders').set('X-Api-Key', key).set('X-Forwarded-For', '10.8.0.1');
    expect(await statuses(() => admin(wrong), 41)).toEqual([...Array(40).fill(401), 429]);
    expectLimited(await admin(ADMIN_KEY));

    // the OMS intake: accepted requests never count (see the test above), wrong keys do
    const intake = (key: string, ip: string) =>
      t.http().post('/orders/status').set('X-Api-Key', key).set('X-Forwarded-For', ip).send({ id: 'OMS-GUESS', code: 'processing' });
    expect(await statuses(() => intake(wrong, '10.8.0.2'), 42)).toEqual([...Array(41).fill(401), 429]);
    // the right key gets the same answer as a wrong one now: a guess cannot be told from a hit
    expectLimited(await intake(ADMIN_KEY, '10.8.0.2'));
    expect((await intake(ADMIN_KEY, '10.8.0.3')).status).toBe(200);

    // /metrics (admin key or METRICS_TOKEN)
    const metrics = (token: string) => t.http().get('/metrics').set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', '10.8.0.4');
    expect(await statuses(() => metrics(wrong), 42)).toEqual([...Array(41).fill(401), 429]);
    expectLimited(await metrics(METRICS_TOKEN));

    // the queue dashboard (Bull Board), with the key as the Basic password
    const dashboard = (key: string) => t.http().get('/admin/queues').auth('ops', key).set('X-Forwarded-For', '10.8.0.5');
    expect(await statuses(() => dashboard(wrong), 42)).toEqual([...Array(41).fill(401), 429]);
    expectLimited(await dashboard(ADMIN_KEY));
    expect((await t.http().get('/admin/queues').auth('ops', ADMIN_KEY).set('X-Forwarded-For', '10.8.0.6')).status).toBe(200);
  });
});

describe('api and worker processes (APP_ROLE)', () => {
  it('an api-only process stores deliveries; a worker process on the same database sends them; closing waits for the job in flight', async () => {
    const fake = await startFakePeer();
    fake.respond(() => ({ status: 200, body: { success: true } }));
    const env = { IMSHOP_API_KEY: IMSHOP_KEY, IMSHOP_STATUS_URL: `${fake.url}/statuses`, OUTBOX_SWEEP_MS: '100', QUEUE_PREFIX: `roles${Date.now()}` };
    const api = await startTestApp({ ...env, APP_ROLE: 'api' });
    try {
      expect((await api.http().post('/orders/status').set('X-Api-Key', ADMIN_KEY).send({ id: 'ROLE-1', code: 'processing' })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 600));
      expect(fake.requests).toHaveLength(0);
      expect((await api.db.query('SELECT state FROM deliveries'))[0].state).toBe('pending');

      // IMSHOP is slow: closing the worker mid-attempt must wait for the attempt to finish
      fake.respond(() => ({ status: 200, body: { success: true }, delayMs: 700 }));
      const worker = await startTestApp({ ...env, APP_ROLE: 'worker' }, { databaseUrl: api.config.databaseUrl!, databaseName: api.databaseName });
      await fake.waitForRequests(1);
      expect((await worker.http().get('/health')).status).toBe(200);
      expect((await worker.http().post('/orders/status').set('X-Api-Key', ADMIN_KEY).send({ id: 'ROLE-2', code: 'processing' })).status).toBe(404);
      const closing = Date.now();
      await worker.close();
      expect(Date.now() - closing).toBeGreaterThanOrEqual(400);
      expect((await api.db.query('SELECT state, attempts FROM deliveries'))[0]).toEqual({ state: 'sent', attempts: 1 });
      expect(fake.requests).toHaveLength(1);
    } finally {
      await api.close();
      await fake.close();
    }
  });
});
