import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { join } from 'node:path';
import { freePort, spawnApp } from './support/app-process';
import { eventually } from './support/fake-http-peer';
import { startFakeImshop, type FakeImshop } from './support/fake-imshop';
import { partnerApi, startFakeMarketApi, type FakeMarketApi } from './support/fake-market-api';
import { SANDBOX_REQUESTS_KEPT } from '../src/sandbox/sandbox-recorder.service';
import { scratchDirs } from './support/scratch-dirs';
import { ADMIN_KEY, createTestDatabase, startTestApp, type TestApp } from './support/test-app';

const scratchDir = scratchDirs('order-sync-sandbox-prod-');

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The Swagger examples' ids (src/market/dto/api-property-presets.ts EXAMPLE_IDS), which the demo campaign uses. */
const CAMPAIGN = '21683701';
const BUSINESS = '9876543';

interface Recorded {
  id: string;
  peer: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
  answer: { status: number | null; body: any };
  fault: string | null;
}

/**
 * The sandbox as `npm start` runs it: the app on a real port calls its own /sandbox peers over HTTP through the
 * unchanged outbox, queue, worker and clients. A second order id per test keeps the tests apart.
 */
describe('sandbox (SANDBOX=true)', () => {
  let t: TestApp;
  let base: string;
  let imshopKey: string;
  let nextOrder = 700_000_000 + Math.floor(Math.random() * 1_000_000);
  let clock = Date.parse('2026-11-24T10:00:00+03:00');
  const at = () => new Date((clock += 1000)).toISOString();

  beforeAll(async () => {
    const port = await freePort();
    t = await startTestApp({
      SANDBOX: 'true',
      PORT: String(port),
      HOST: '127.0.0.1',
      DELIVERY_BACKOFF_MS: '20',
      DELIVERY_BACKOFF_MAX_MS: '200',
      DELIVERY_TIMEOUT_MS: '1000',
    });
    await t.app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    imshopKey = readFileSync(join(t.config.dataDir, 'imshop-webhook-key'), 'utf8').trim();
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const admin = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, { ...init, headers: { 'X-Api-Key': ADMIN_KEY, 'content-type': 'application/json', ...(init.headers ?? {}) } });
    return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as any) };
  };
  const recorded = async (peer?: string): Promise<Recorded[]> => (await admin(`/admin/sandbox/requests?limit=500${peer ? `&peer=${peer}` : ''}`)).body.items;
  const orderOf = async (marketOrderId: string) => (await t.db.query('SELECT * FROM orders WHERE market_order_id = $1', [marketOrderId]))[0];
  const deliveriesOf = (orderId: string, target: string) =>
    t.db.query('SELECT id, state, attempts FROM deliveries WHERE order_id = $1 AND target = $2 ORDER BY id', [orderId, target]) as Promise<
      { id: string; state: string; attempts: number }[]
    >;
  const notify = (body: string) => post('/market/notification', body);

  it('seeds the demo campaign once, with every rule on and the sandbox IMSHOP store', async () => {
    const res = await admin(`/admin/market/campaigns/${CAMPAIGN}/automation`);
    expect(res.body).toMatchObject({
      campaignId: CAMPAIGN,
      businessId: BUSINESS,
      storeId: '1456',
      configured: true,
      updatedBy: 'sandbox',
      rules: { fetchDetails: true, prepareTicket: true, pushStatuses: true, answerCancellations: true },
    });
  });

  it("runs a Market order through the sandbox Market and IMSHOP and back, each request recorded in the peers' shapes", async () => {
    const marketOrderId = String(++nextOrder);
    // loopback is admitted at /market in the sandbox
    expect(
      (
        await notify(
          `{"notificationType":"ORDER_CREATED","campaignId":${CAMPAIGN},"orderId":${marketOrderId},"items":[{"offerId":"SKU-12345","count":2}],"createdAt":"${at()}"}`,
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await notify(
          `{"notificationType":"ORDER_STATUS_UPDATED","campaignId":${CAMPAIGN},"orderId":${marketOrderId},"status":"PROCESSING","substatus":"STARTED","updatedAt":"${at()}"}`,
        )
      ).status,
    ).toBe(200);
    const order = await orderOf(marketOrderId);
    expect(order.status).toBe('PROCESSING');

    // details and buyer from the sandbox Market, then the prepare ticket at the sandbox IMSHOP
    const [ticketDelivery] = await eventually(async () => {
      const rows = await deliveriesOf(order.id, 'imshop_prepare');
      return rows[0]?.state === 'sent' ? rows : null;
    }, 20_000);
    expect(ticketDelivery.attempts).toBe(1);
    const market = (await recorded('market')).filter((r) => r.path.includes(marketOrderId) || JSON.stringify(r.body ?? '').includes(marketOrderId));
    const spec = await partnerApi();
    const ops = market.map((r) => ({ r, op: spec.match(r.method, r.path) })).reverse();
    // The detail fetch and the ticket run as two deliveries; when the ticket's runs first it fetches the details itself.
    const called = ops.map(({ op }) => op?.operation.operationId);
    expect(new Set(called)).toEqual(new Set(['getBusinessOrders', 'getOrderBuyerInfo']));
    expect(called.filter((id) => id === 'getOrderBuyerInfo')).toHaveLength(1);
    for (const { r, op } of ops) {
      expect(r.headers['api-key']).toBe('[masked]');
      expect(r.answer.status).toBe(200);
      // the sandbox answers in Market's documented shapes (the whole partner API spec)
      expect(spec.answerProblems(op!, { status: 200, contentType: 'application/json', text: JSON.stringify(r.answer.body) })).toEqual([]);
    }
    const details = ops.find(({ op }) => op?.operation.operationId === 'getBusinessOrders')!.r;
    expect(details.path).toBe(`/v1/businesses/${BUSINESS}/orders`);
    expect(details.answer.body.orders[0]).toMatchObject({
      orderId: Number(marketOrderId),
      campaignId: Number(CAMPAIGN),
      fake: true,
      items: [{ offerId: 'SKU-12345', count: 2 }],
    });

    const ticket = (await recorded('imshop')).find((r) => r.path === '/tickets' && r.body?.orderId === `YM-${marketOrderId}`)!;
    expect(ticket).toBeDefined();
    expect(ticket.headers.authorization).toBe('Bearer [masked]');
    expect(ticket.body).toMatchObject({
      type: 'prepare',
      storeId: '1456',
      cart: [{ configurationId: 'SKU-12345', quantity: 2, price: 1490, subtotal: 2980 }],
      buyer: { name: 'Пётр Иванов', phone: '+79990001122' },
    });
    expect(ticket.answer).toEqual({ status: 200, body: { success: true, status: 'created', ticketId: expect.stringMatching(/^rsp-sbx-\d+$/) } });
    const ticketId = ticket.answer.body.ticketId as string;
    const admitted = await admin(`/admin/orders/${order.id}`);
    expect(admitted.body.marketDetails.items).toHaveLength(1);
    expect(admitted.body.imshopTickets).toEqual([expect.objectContaining({ imshopTicketId: ticketId, type: 'prepare' })]);

    // the store assembled it: IMSHOP's done webhook with the sandbox key → READY_TO_SHIP → the sandbox Market hears it
    const done = await post(
      '/imshop/tickets/status',
      { ticketId, orderId: `YM-${marketOrderId}`, storeId: '1456', status: 'done', metadata: { timestamp: String(Math.floor(Date.now() / 1000)) } },
      { Authorization: `Bearer ${imshopKey}` },
    );
    expect(done.status).toBe(200);
    expect((await orderOf(marketOrderId)).status).toBe('READY_TO_SHIP');
    const push = await eventually(
      async () => (await recorded('market')).find((r) => r.method === 'PUT' && r.path === `/v2/campaigns/${CAMPAIGN}/orders/${marketOrderId}/status`),
      20_000,
    );
    expect(push.body).toEqual({ order: { status: 'PROCESSING', substatus: 'READY_TO_SHIP' } });
    expect(push.answer.status).toBe(200);
    expect(
      spec.answerProblems(spec.match('PUT', push.path)!, { status: 200, contentType: 'application/json', text: JSON.stringify(push.answer.body) }),
    ).toEqual([]);
    // what the sandbox Market now knows of the order
    const known = (await t.db.query('SELECT status, substatus FROM sandbox_market_orders WHERE order_id = $1', [marketOrderId]))[0];
    expect(known).toEqual({ status: 'PROCESSING', substatus: 'READY_TO_SHIP' });
  }, 60_000);

  it('answers a buyer cancellation through the sandbox Market and withdraws the ticket at the sandbox IMSHOP', async () => {
    const marketOrderId = String(++nextOrder);
    await notify(
      `{"notificationType":"ORDER_CREATED","campaignId":${CAMPAIGN},"orderId":${marketOrderId},"items":[{"offerId":"SKU-1","count":1}],"createdAt":"${at()}"}`,
    );
    await notify(
      `{"notificationType":"ORDER_STATUS_UPDATED","campaignId":${CAMPAIGN},"orderId":${marketOrderId},"status":"PROCESSING","substatus":"STARTED","updatedAt":"${at()}"}`,
    );
    const order = await orderOf(marketOrderId);
    await eventually(async () => (await deliveriesOf(order.id, 'imshop_prepare'))[0]?.state === 'sent', 20_000);
    expect(
      (await notify(`{"notificationType":"ORDER_CANCELLATION_REQUEST","campaignId":${CAMPAIGN},"orderId":${marketOrderId},"requestedAt":"${at()}"}`)).status,
    ).toBe(200);
    await eventually(async () => (await orderOf(marketOrderId)).status === 'CANCELLED', 20_000);
    const accept = (await recorded('market')).find((r) => r.path === `/v2/campaigns/${CAMPAIGN}/orders/${marketOrderId}/cancellation/accept`)!;
    expect(accept.body).toEqual({ accepted: true });
    expect(accept.answer).toEqual({ status: 200, body: { status: 'OK' } });
    const withdrawn = await eventually(
      async () => (await recorded('imshop')).find((r) => r.body?.type === 'cancel' && r.body?.orderId === `YM-${marketOrderId}`),
      20_000,
    );
    expect(withdrawn.answer.body).toMatchObject({ success: true, status: 'cancelled' });
    expect((await t.db.query('SELECT status, substatus FROM sandbox_market_orders WHERE order_id = $1', [marketOrderId]))[0]).toEqual({
      status: 'CANCELLED',
      substatus: 'USER_CHANGED_MIND',
    });
  }, 60_000);

  it('makes IMSHOP fail three times: the status push is retried on the unchanged delivery path, then sent', async () => {
    const fault = await admin('/admin/sandbox/faults', { method: 'POST', body: JSON.stringify({ peer: 'imshop', count: 3, status: 503 }) });
    expect(fault).toEqual({ status: 200, body: { peer: 'imshop', remaining: 3, status: 503, delayMs: 0, noAnswer: false, description: 'HTTP 503' } });
    const omsNumber = `SBX-${++nextOrder}`;
    const relayed = await admin('/orders/status', { method: 'POST', body: JSON.stringify({ id: omsNumber, code: 'packed', message: 'Готов к выдаче' }) });
    expect(relayed.status).toBe(200);
    const order = (await t.db.query('SELECT id FROM orders WHERE oms_order_number = $1', [omsNumber]))[0];
    const [delivery] = await eventually(async () => {
      const rows = await deliveriesOf(order.id, 'imshop');
      return rows[0]?.state === 'sent' ? rows : null;
    }, 30_000);
    expect(delivery.attempts).toBe(4);
    const attempts = await t.db.query('SELECT status_code FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id', [delivery.id]);
    expect(attempts.map((a: { status_code: number }) => a.status_code)).toEqual([503, 503, 503, 200]);
    const pushes = (await recorded('imshop')).filter((r) => r.path === '/statuses' && r.body?.id === omsNumber).reverse();
    expect(pushes.map((r) => [r.answer.status, r.fault])).toEqual([
      [503, 'HTTP 503'],
      [503, 'HTTP 503'],
      [503, 'HTTP 503'],
      [200, null],
    ]);
    expect(pushes[3].answer.body).toMatchObject({ success: true, internalId: omsNumber, newStatus: 'packed' });
    expect((await admin('/admin/sandbox/faults')).body).toEqual([]);
  }, 60_000);

  it('can give no answer at all: the attempt times out and is retried', async () => {
    await admin('/admin/sandbox/faults', { method: 'POST', body: JSON.stringify({ peer: 'imshop', count: 1, noAnswer: true }) });
    const omsNumber = `SBX-${++nextOrder}`;
    await admin('/orders/status', { method: 'POST', body: JSON.stringify({ id: omsNumber, code: 'packed' }) });
    const order = (await t.db.query('SELECT id FROM orders WHERE oms_order_number = $1', [omsNumber]))[0];
    const [delivery] = await eventually(async () => {
      const rows = await deliveriesOf(order.id, 'imshop');
      return rows[0]?.state === 'sent' ? rows : null;
    }, 30_000);
    const attempts = await t.db.query('SELECT status_code, error FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id', [delivery.id]);
    expect(attempts[0].error).toMatch(/no answer within 1000 ms/);
    expect(attempts.at(-1).status_code).toBe(200);
    const silent = (await recorded('imshop')).find((r) => r.body?.id === omsNumber && r.fault === 'no answer')!;
    expect(silent.answer).toEqual({ status: null, body: null });
  }, 60_000);

  it('refuses bad faults and wrong keys, masks keys sent in bodies', async () => {
    expect((await admin('/admin/sandbox/faults', { method: 'POST', body: JSON.stringify({ peer: 'imshop', count: 1 }) })).status).toBe(400);
    expect((await admin('/admin/sandbox/faults', { method: 'POST', body: JSON.stringify({ peer: 'nobody', count: 1, status: 500 }) })).body.message).toEqual([
      expect.stringMatching(/^peer must be one of/),
    ]);
    expect(
      (await admin('/admin/sandbox/faults', { method: 'POST', body: JSON.stringify({ peer: 'imshop', count: 1, status: 500, noAnswer: true }) })).status,
    ).toBe(400);
    expect((await fetch(`${base}/admin/sandbox/requests`)).status).toBe(401);

    const wrong = await post('/sandbox/imshop/statuses', { id: '1', code: 'packed', key: 'not-the-key' });
    expect(wrong.status).toBe(403);
    const inBody = await post('/sandbox/imshop/statuses', { id: 'KEY-IN-BODY', code: 'packed', key: imshopKey });
    expect(inBody.status).toBe(200);
    const market = await fetch(`${base}/sandbox/market/v2/campaigns/${CAMPAIGN}/orders/1/buyer`, { headers: { 'Api-Key': 'wrong' } });
    expect(market.status).toBe(403);
    expect(await market.json()).toEqual({ status: 'ERROR', errors: [{ code: 'FORBIDDEN', message: expect.any(String) }] });
    const known = await fetch(`${base}/sandbox/market/v2/campaigns/${CAMPAIGN}/orders/1/buyer`, { headers: { 'Api-Key': t.config.marketApi.apiKey! } });
    expect(known.status).toBe(404);
    const all = await recorded();
    expect(all.find((r) => r.body?.id === 'KEY-IN-BODY')!.body.key).toBe('[masked]');
    expect(JSON.stringify(all)).not.toContain(imshopKey);
    expect(JSON.stringify(all)).not.toContain(t.config.marketApi.apiKey);
    expect(all.find((r) => r.path.endsWith('/orders/1/buyer'))!.headers['api-key']).toBe('[masked]');
  });

  // Two requests without a key used up an admin's fault and were recorded with their bodies.
  it('checks the key before anything else: a caller without the right one takes no fault and is not recorded', async () => {
    const fault = { peer: 'imshop', count: 2, status: 503 };
    expect((await admin('/admin/sandbox/faults', { method: 'POST', body: JSON.stringify(fault) })).status).toBe(200);
    expect((await admin('/admin/sandbox/faults', { method: 'POST', body: JSON.stringify({ peer: 'market', count: 2, status: 500 }) })).status).toBe(200);
    const before = (await admin('/admin/sandbox/requests?limit=1')).body.total;
    const strangers = [
      await post('/sandbox/imshop/statuses', { id: 'STRANGER-1', code: 'packed' }),
      await post('/sandbox/imshop/statuses', { id: 'STRANGER-2', code: 'packed' }, { Authorization: 'Bearer not-the-key' }),
      await post('/sandbox/imshop/tickets', { type: 'prepare', orderId: 'STRANGER-3', storeId: '1456', key: 'not-the-key' }),
      await fetch(`${base}/sandbox/market/v2/campaigns/${CAMPAIGN}/orders/1/buyer`),
      await fetch(`${base}/sandbox/market/v2/campaigns/${CAMPAIGN}/orders/1/buyer`, { headers: { 'Api-Key': 'not-the-key' } }),
    ];
    expect(strangers.map((r) => r.status)).toEqual([403, 403, 403, 401, 403]);
    // the faults wait for the app's own calls, untouched; nothing of the strangers was kept
    expect((await admin('/admin/sandbox/faults')).body).toEqual(
      expect.arrayContaining([expect.objectContaining({ peer: 'imshop', remaining: 2 }), expect.objectContaining({ peer: 'market', remaining: 2 })]),
    );
    expect((await admin('/admin/sandbox/requests?limit=1')).body.total).toBe(before);
    expect(JSON.stringify((await admin('/admin/sandbox/requests?limit=50')).body)).not.toContain('STRANGER');
    // the right key still meets the fault
    expect((await post('/sandbox/imshop/statuses', { id: 'KNOWN-1', code: 'packed' }, { Authorization: `Bearer ${imshopKey}` })).status).toBe(503);
    expect((await admin('/admin/sandbox/faults', { method: 'DELETE' })).status).toBe(204);
  });

  it('masks every credential header and body field by its name in what it records', async () => {
    const res = await post(
      '/sandbox/imshop/statuses',
      {
        id: 'MASKED-1',
        code: 'packed',
        accessToken: 'secret-in-body-1',
        nested: { api_key: 'secret-in-body-2', list: [{ password: 'secret-in-body-3' }] },
        key: imshopKey,
      },
      { 'Proxy-Authorization': 'Basic c2VjcmV0LWluLWhlYWRlci0x', 'X-Auth-Token': 'secret-in-header-2', 'X-Request-Id': 'masked-1' },
    );
    expect(res.status).toBe(200);
    const row = (await recorded('imshop')).find((r) => r.body?.id === 'MASKED-1')!;
    expect(row.headers).toMatchObject({
      'proxy-authorization': 'Basic [masked]',
      'x-auth-token': '[masked]',
      'x-request-id': 'masked-1',
      'content-type': 'application/json',
    });
    expect(row.body).toEqual({
      id: 'MASKED-1',
      code: 'packed',
      accessToken: '[masked]',
      nested: { api_key: '[masked]', list: [{ password: '[masked]' }] },
      key: '[masked]',
    });
    expect(JSON.stringify(row)).not.toMatch(/secret-in|c2VjcmV0/);
  });

  it('keeps its recorded requests bounded: the retention job deletes the old ones', async () => {
    await t.db.query("UPDATE sandbox_requests SET received_at = now() - interval '400 days' WHERE id = (SELECT min(id) FROM sandbox_requests)");
    const before = (await admin('/admin/sandbox/requests?limit=1')).body.total;
    const run = await admin('/admin/retention/run', { method: 'POST' });
    expect(run.status).toBe(200);
    expect(run.body.deleted.sandbox_requests).toBe(1);
    expect((await admin('/admin/sandbox/requests?limit=1')).body.total).toBe(before - 1);
    // and never more than the newest SANDBOX_REQUESTS_KEPT, whatever came between two runs (ids jump as after a flood)
    await t.db.query(`SELECT setval(pg_get_serial_sequence('sandbox_requests', 'id'), (SELECT max(id) FROM sandbox_requests) + ${SANDBOX_REQUESTS_KEPT})`);
    expect((await post('/sandbox/imshop/statuses', { id: 'AFTER-FLOOD', code: 'packed' }, { Authorization: `Bearer ${imshopKey}` })).status).toBe(200);
    const left = (await admin('/admin/sandbox/requests?limit=5')).body;
    expect(left.total).toBe(1);
    expect(left.items[0].body.id).toBe('AFTER-FLOOD');
  });

  it("lists the sandbox in the OpenAPI description with the generated key's file, never the key", async () => {
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as any;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/admin/sandbox/requests',
        '/admin/sandbox/faults',
        '/sandbox/imshop/tickets',
        '/sandbox/market/v1/businesses/{businessId}/orders',
      ]),
    );
    expect(doc.components.securitySchemes['imshop-key'].description).toContain(join(t.config.dataDir, 'imshop-webhook-key'));
    expect(JSON.stringify(doc)).not.toContain(imshopKey);
  });
});

describe('sandbox guard rails', () => {
  it('without SANDBOX: no /sandbox routes, no admin view, loopback refused at /market, no demo campaign', async () => {
    const t = await startTestApp({});
    try {
      expect((await t.http().post('/sandbox/imshop/statuses').send({ id: '1', code: 'x' })).status).toBe(404);
      expect((await t.http().get(`/sandbox/market/v2/campaigns/${CAMPAIGN}/orders/1/buyer`)).status).toBe(404);
      expect((await t.http().get('/admin/sandbox/requests').set('X-Api-Key', ADMIN_KEY)).status).toBe(404);
      const market = await t
        .http()
        .post('/market/notification')
        .set('Content-Type', 'application/json')
        .send('{"notificationType":"PING","time":"2026-11-24T10:00:00Z"}');
      expect(market.status).toBe(403);
      expect(market.body.error.message).toMatch(/source address .* is not allowed/);
      expect((await t.http().post('/imshop/tickets/status').send({})).status).toBe(401);
      expect(await t.db.query('SELECT * FROM market_automation')).toEqual([]);
      expect(t.config.imshop).toEqual(expect.objectContaining({ statusUrl: undefined, ticketsUrl: undefined, apiKey: undefined }));
    } finally {
      await t.close();
    }
  });

  it('production refuses the sandbox, with one line naming both variables', async () => {
    const app = spawnApp({ SANDBOX: 'true', NODE_ENV: 'production', PORT: String(await freePort()), DATA_DIR: scratchDir() });
    const exit = await app.exited;
    expect(exit.code).toBe(1);
    expect(app.logs.stderr.trim()).toBe(
      'Invalid configuration: SANDBOX must not be true with NODE_ENV=production: the sandbox admits loopback callers at /market and answers for IMSHOP and Market itself',
    );
  });

  // `npm start` with a real DATABASE_URL wrote the demo campaign into that database and listened on 0.0.0.0.
  it('npm start refuses an external DATABASE_URL, naming it and the production command, and writes nothing there', async () => {
    const database = await createTestDatabase();
    try {
      const app = spawnApp({ DATABASE_URL: database.url, PORT: String(await freePort()), DATA_DIR: scratchDir() }, ['--env-file=sandbox.env']);
      expect((await app.exited).code).toBe(1);
      expect(app.logs.stderr.trim()).toMatch(
        /^Invalid configuration: DATABASE_URL must not be set with SANDBOX=true \(what npm start sets\): .* run npm run start:prod \(node dist\/main\.js, without SANDBOX\)$/,
      );
      const tables = await withClient(database.url, (client) =>
        client.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'"),
      );
      expect(tables.rows[0].n).toBe(0);
    } finally {
      await database.drop();
    }
  });

  it('npm start refuses a HOST other than loopback, naming it and the production command', async () => {
    const port = await freePort();
    const dataDir = scratchDir();
    const app = spawnApp({ HOST: '0.0.0.0', PORT: String(port), DATA_DIR: dataDir }, ['--env-file=sandbox.env']);
    expect((await app.exited).code).toBe(1);
    expect(app.logs.stderr.trim()).toMatch(
      /^Invalid configuration: HOST must be a loopback address with SANDBOX=true \(127\.0\.0\.1, ::1 or localhost; got "0\.0\.0\.0"\): .* run npm run start:prod \(node dist\/main\.js, without SANDBOX\)$/,
    );
    // refused before anything was made: no key, no embedded PostgreSQL
    expect(readdirSync(dataDir)).toEqual([]);
  });

  describe('with every peer URL configured', () => {
    let t: TestApp;
    let imshop: FakeImshop;
    let market: FakeMarketApi;
    let base: string;
    beforeAll(async () => {
      imshop = await startFakeImshop();
      market = await startFakeMarketApi('configured-market-key-0123');
      const port = await freePort();
      t = await startTestApp({
        SANDBOX: 'true',
        PORT: String(port),
        HOST: '127.0.0.1',
        IMSHOP_API_KEY: 'configured-imshop-key',
        IMSHOP_STATUS_URL: `${imshop.url}/statuses`,
        IMSHOP_TICKETS_URL: `${imshop.url}/tickets`,
        MARKET_API_URL: market.url,
        MARKET_API_KEY: 'configured-market-key-0123',
      });
      await t.app.listen(port, '127.0.0.1');
      base = `http://127.0.0.1:${port}`;
    });
    afterAll(async () => {
      await t?.close();
      await imshop?.close();
      await market?.close();
    });

    it('never uses a sandbox peer: the configured peers get every call, the sandbox records none', async () => {
      expect(t.config.sandboxPeers).toEqual({ imshopStatus: false, imshopTickets: false, market: false });
      // no demo campaign without the sandbox Market
      expect(await t.db.query('SELECT * FROM market_automation')).toEqual([]);
      const adminPut = await fetch(`${base}/admin/market/campaigns/${CAMPAIGN}/automation`, {
        method: 'PUT',
        headers: { 'X-Api-Key': ADMIN_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({
          businessId: BUSINESS,
          storeId: '1456',
          rules: { fetchDetails: true, prepareTicket: true, pushStatuses: true, answerCancellations: true },
        }),
      });
      expect(adminPut.status).toBe(200);
      market.respond((req) =>
        req.operationId === 'getBusinessOrders'
          ? {
              status: 200,
              body: {
                orders: [
                  {
                    orderId: 5551,
                    campaignId: Number(CAMPAIGN),
                    status: 'PROCESSING',
                    substatus: 'STARTED',
                    creationDate: '2026-11-24T10:00:00+03:00',
                    paymentType: 'PREPAID',
                    paymentMethod: 'YANDEX',
                    fake: false,
                    items: [{ id: 1, offerId: 'SKU-1', offerName: 'x', count: 1, prices: { payment: { value: 100, currencyId: 'RUR' } } }],
                    delivery: { type: 'DELIVERY', serviceName: 's', deliveryServiceId: 1, deliveryPartnerType: 'SHOP', dates: { fromDate: '2026-11-26' } },
                  },
                ],
              },
            }
          : undefined,
      );
      const send = (body: string) => fetch(`${base}/market/notification`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      // loopback is still admitted at /market: that is the sandbox's, whatever its peers
      expect(
        (
          await send(
            `{"notificationType":"ORDER_CREATED","campaignId":${CAMPAIGN},"orderId":5551,"items":[{"offerId":"SKU-1","count":1}],"createdAt":"2026-11-24T10:00:00+03:00"}`,
          )
        ).status,
      ).toBe(200);
      expect(
        (
          await send(
            `{"notificationType":"ORDER_STATUS_UPDATED","campaignId":${CAMPAIGN},"orderId":5551,"status":"PROCESSING","substatus":"STARTED","updatedAt":"2026-11-24T10:01:00+03:00"}`,
          )
        ).status,
      ).toBe(200);
      await imshop.waitFor((requests) => requests.some((r) => r.path === '/tickets'), 20_000);
      expect(imshop.to('/tickets')[0].headers.authorization).toBe('Bearer configured-imshop-key');
      expect(market.calls('getBusinessOrders', '5551').length).toBeGreaterThanOrEqual(1);
      expect(market.calls('getOrderBuyerInfo', '5551').length).toBe(1);
      for (const path of ['/sandbox/imshop/tickets', '/sandbox/imshop/statuses', '/sandbox/market/v1/businesses/1/orders']) {
        expect((await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
      }
      const requests = await fetch(`${base}/admin/sandbox/requests`, { headers: { 'X-Api-Key': ADMIN_KEY } });
      expect(((await requests.json()) as { total: number }).total).toBe(0);
    }, 60_000);
  });
});
