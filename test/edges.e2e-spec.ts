import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MAX_PAGE } from '../src/common/page';
import { logCollector } from './support/log-collector';
import { eventually, startFakePeer, type FakePeer } from './support/fake-http-peer';
import { T0, ticketStatusEvent } from './support/ticket-status-event';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

/**
 * Safe at the edges: what an attacker and a careless operator tried against the service (issue 22), each shown
 * refused with nothing changed.
 */

const IMSHOP_KEY = 'imshop-edges-key-0123456789';
const MARKET_ADDRESS = '5.45.207.10';
const orderCreated = (orderId: number) =>
  JSON.stringify({
    notificationType: 'ORDER_CREATED',
    campaignId: 21683701,
    orderId,
    items: [{ offerId: 'SKU-1', count: 1 }],
    createdAt: '2026-11-24T10:00:00+03:00',
  });

describe('proxies are trusted by address only', () => {
  it.each(['1', '2', 'true'])('TRUST_PROXY=%s is refused at boot, with the address form in the message', async (value) => {
    await expect(startTestApp({ TRUST_PROXY: value })).rejects.toThrow(
      /^Invalid configuration: TRUST_PROXY must name the proxies by address.*TRUST_PROXY=loopback/,
    );
  });

  // With TRUST_PROXY=1, `X-Forwarded-For: 5.45.207.10` from anywhere passed the Market allowlist, and rotating the
  // header defeated the failed-login limit (650 wrong admin keys, no 429).
  describe('behind a proxy at 10.0.0.5, a caller that reaches the api directly', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ TRUST_PROXY: '10.0.0.5', ADMIN_RATE_LIMIT: '10' });
    });
    afterAll(() => t?.close());

    it('cannot pass the Market allowlist with a forged X-Forwarded-For, and nothing is stored', async () => {
      const forged = await t
        .http()
        .post('/market/notification')
        .set('X-Forwarded-For', MARKET_ADDRESS)
        .set('Content-Type', 'application/json')
        .send(orderCreated(9_100_001));
      expect(forged.status).toBe(403);
      expect(forged.body.error.message).toMatch(/^source address .*127\.0\.0\.1 is not allowed$/);
      expect((await t.db.query('SELECT count(*)::int AS n FROM market_events'))[0].n).toBe(0);
      expect((await t.db.query('SELECT count(*)::int AS n FROM orders'))[0].n).toBe(0);
    });

    it('cannot escape the failed-login limit by rotating X-Forwarded-For', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        statuses.push((await t.http().get('/admin/orders').set('X-Api-Key', 'wrong-admin-key-0123456789').set('X-Forwarded-For', `198.51.100.${i}`)).status);
      }
      expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    });
  });
});

describe('the IMSHOP webhook key has a failed-attempt limit, as the admin key has', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ IMSHOP_WEBHOOK_KEY: IMSHOP_KEY, ADMIN_RATE_LIMIT: '5', TRUST_PROXY: 'loopback' });
  });
  afterAll(() => t?.close());

  const status = (from: string, auth: { bearer?: string; body?: string }, ticketId = 'rsp-edges-1') =>
    t
      .http()
      .post('/imshop/tickets/status')
      .set('X-Forwarded-For', from)
      .set(auth.bearer ? { Authorization: `Bearer ${auth.bearer}` } : {})
      .send({ ...ticketStatusEvent(ticketId, 'EDGES-1', 'done', T0), ...(auth.body ? { key: auth.body } : {}) });

  it('answers 429 once an address is past ADMIN_RATE_LIMIT wrong keys, before looking at the key; other addresses are not affected', async () => {
    const guesses: number[] = [];
    for (let i = 0; i < 6; i++) guesses.push((await status('203.0.113.7', i % 2 ? { bearer: `guess-${i}` } : { body: `guess-${i}` })).status);
    expect(guesses).toEqual([401, 401, 401, 401, 401, 401]);
    const limited = await status('203.0.113.7', { bearer: 'guess-6' });
    expect(limited.status).toBe(429);
    expect(limited.body.message).toMatch(/^more than 5 wrong IMSHOP keys from this address in a minute; retry in \d+ s$/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // the right key gets the same answer now: a hit cannot be told from a guess, and nothing is stored
    expect((await status('203.0.113.7', { bearer: IMSHOP_KEY })).status).toBe(429);
    expect((await t.db.query('SELECT count(*)::int AS n FROM imshop_ticket_events'))[0].n).toBe(0);
    // the app-cancellation webhook is the same door
    expect(
      (await t.http().post('/imshop/orders/cancel').set('X-Forwarded-For', '203.0.113.7').set('Authorization', `Bearer ${IMSHOP_KEY}`).send({})).status,
    ).toBe(429);
    // IMSHOP itself, from another address, is not turned away; right keys count nothing
    for (let i = 0; i < 8; i++) expect((await status('198.51.100.20', { bearer: IMSHOP_KEY }, `rsp-edges-${i + 10}`)).status).toBe(200);
    // the admin key's own limit is another count
    expect((await t.http().get('/admin/orders').set('X-Forwarded-For', '203.0.113.7').set('X-Api-Key', ADMIN_KEY)).status).toBe(200);
    const metrics = (await t.http().get('/metrics').set('X-Api-Key', ADMIN_KEY)).text;
    expect(metrics).toMatch(/order_sync_webhook_rejections_total\{endpoint="imshop_ticket",reason="too_many_failed_keys"\} 2/);
  });
});

describe('every credential is masked wherever a header or body is written', () => {
  let t: TestApp;
  let imshop: FakePeer;
  const logs = logCollector();
  const SECRETS = ['q-secret-1', 'h-secret-2', 'h-secret-3', 'h-secret-4', 'peer-secret-1', 'peer-secret-2', 'peer-secret-3', 'peer-secret-4', 'peer-secret-5'];

  beforeAll(async () => {
    imshop = await startFakePeer();
    t = await startTestApp(
      {
        LOG_LEVEL: 'info',
        IMSHOP_API_KEY: IMSHOP_KEY,
        IMSHOP_STATUS_URL: `${imshop.url}/statuses`,
        IMSHOP_TICKETS_URL: `${imshop.url}/tickets`,
        DELIVERY_BACKOFF_MS: '30',
      },
      undefined,
      { logDestination: logs.stream },
    );
  });
  afterAll(async () => {
    await t?.close();
    await imshop?.close();
  });

  // The access log wrote Market's Api-Key and Proxy-Authorization in clear.
  it('in the access log: every credential header and query parameter, by its name', async () => {
    const res = await t
      .http()
      .get('/admin/orders?token=q-secret-1&page=1')
      .set('X-Api-Key', ADMIN_KEY)
      .set('Api-Key', 'h-secret-2')
      .set('Proxy-Authorization', 'Basic h-secret-3')
      .set('X-Auth-Token', 'h-secret-4')
      .set('X-Request-Id', 'edges-log-1');
    expect(res.status).toBe(400); // token is not a filter of this listing
    const line = await eventually(async () => logs.lines.find((l) => l.req?.id === 'edges-log-1' && l.res));
    expect(line.req.url).toBe('/admin/orders?token=[redacted]&page=1');
    expect(line.req.headers).toMatchObject({
      'x-api-key': '[redacted]',
      'api-key': '[redacted]',
      'proxy-authorization': 'Basic [redacted]',
      'x-auth-token': '[redacted]',
      'x-request-id': 'edges-log-1',
    });
    const market = await t
      .http()
      .post('/market/notification')
      .set('Api-Key', 'h-secret-2')
      .set('X-Request-Id', 'edges-log-2')
      .set('Content-Type', 'application/json')
      .send('{}');
    expect(market.status).toBe(403);
    expect((await eventually(async () => logs.lines.find((l) => l.req?.id === 'edges-log-2'))).req.headers['api-key']).toBe('[redacted]');
    const everything = logs.raw.join('\n');
    for (const secret of [...SECRETS.slice(0, 4), ADMIN_KEY, IMSHOP_KEY]) expect([secret, everything.includes(secret)]).toEqual([secret, false]);
  });

  // A peer echoing what it was sent kept our key in the stored attempt logs.
  it('in the stored delivery attempts: the answer, the error and the kept result', async () => {
    imshop.respond((_req, index) =>
      index === 0
        ? {
            status: 500,
            body: {
              success: false,
              echo: { authorization: `Bearer ${IMSHOP_KEY}` },
              accessToken: 'peer-secret-1',
              errorMessage: 'rejected token=peer-secret-2',
            },
          }
        : { status: 200, body: { success: true, token: 'peer-secret-3' } },
    );
    expect((await t.http().post('/orders/status').set('X-Api-Key', ADMIN_KEY).send({ id: 'EDGES-MASK-1', code: 'processing' })).status).toBe(200);
    const delivery = await eventually(async () => {
      const [row] = await t.db.query("SELECT d.* FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE o.oms_order_number = 'EDGES-MASK-1'");
      return row?.state === 'sent' ? row : undefined;
    });
    const attempts = await t.db.query('SELECT status_code, error, response_text AS response FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id', [
      delivery.id,
    ]);
    expect(attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 200]);
    expect(JSON.parse(attempts[0].response)).toEqual({
      success: false,
      echo: { authorization: '[masked]' },
      accessToken: '[masked]',
      errorMessage: 'rejected token=[masked]',
    });
    expect(JSON.parse(attempts[1].response)).toEqual({ success: true, token: '[masked]' });
    expect(delivery.response).toEqual({ success: true, token: '[masked]' });
    const shown = JSON.stringify((await t.http().get(`/admin/deliveries/${delivery.id}`).set('X-Api-Key', ADMIN_KEY)).body);
    const stored = JSON.stringify([attempts, delivery, shown]);
    for (const secret of [IMSHOP_KEY, 'peer-secret-1', 'peer-secret-2', 'peer-secret-3']) expect([secret, stored.includes(secret)]).toEqual([secret, false]);
  });

  it('in error messages: what IMSHOP said when it refused a ticket, in the answer, the stored request and the log', async () => {
    imshop.respond(() => ({
      status: 403,
      body: { success: false, errorCode: 'FORBIDDEN', errorMessage: `Authorization: Bearer ${IMSHOP_KEY} is not valid`, token: 'peer-secret-4' },
    }));
    const res = await t
      .http()
      .post('/tickets')
      .set('X-Api-Key', ADMIN_KEY)
      .set('Idempotency-Key', 'edges-refused-1')
      .send({ type: 'prepare', orderId: 'EDGES-T-1', storeId: '1456' });
    expect(res.status).toBe(502);
    expect(res.body.message).toBe('IMSHOP refused the ticket with HTTP 403 (FORBIDDEN: Authorization: Bearer [masked] is not valid)');
    expect(res.body.imshop).toEqual({
      status: 403,
      body: { success: false, errorCode: 'FORBIDDEN', errorMessage: 'Authorization: Bearer [masked] is not valid', token: '[masked]' },
    });
    const [request] = await t.db.query("SELECT last_error FROM imshop_ticket_requests WHERE request_key = 'admin:edges-refused-1'");
    expect(request.last_error).toBe(res.body.message);
    const everything = [JSON.stringify(res.body), request.last_error, logs.raw.join('\n')].join('\n');
    for (const secret of [IMSHOP_KEY, 'peer-secret-4']) expect([secret, everything.includes(secret)]).toEqual([secret, false]);
  });

  // sanitizeJson copied a peer's "__proto__" by assignment: {"__proto__":{"success":…}} read as the answer's success.
  it('a peer\'s "__proto__" field is not taken for its answer: a status push IMSHOP did not refuse is sent, not dead', async () => {
    imshop.respond(() => ({ status: 200, raw: '{"__proto__":{"success":false,"errorMessage":"not from IMSHOP"}}' }));
    expect((await t.http().post('/orders/status').set('X-Api-Key', ADMIN_KEY).send({ id: 'EDGES-PROTO-1', code: 'processing' })).status).toBe(200);
    const delivery = await eventually(async () => {
      const [row] = await t.db.query("SELECT d.* FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE o.oms_order_number = 'EDGES-PROTO-1'");
      return row && ['sent', 'dead'].includes(row.state) ? row : undefined;
    });
    // no success field of its own: IMSHOP's rule for a 2xx is "ok" (success: false read from the prototype made it dead)
    expect({ state: delivery.state, attempts: delivery.attempts, lastError: delivery.last_error }).toEqual({ state: 'sent', attempts: 1, lastError: null });
    expect(delivery.response).toEqual(JSON.parse('{"__proto__":{"success":false,"errorMessage":"not from IMSHOP"}}'));
  });

  it("nor for a ticket's acceptance: no ticket is registered", async () => {
    imshop.respond(() => ({ status: 200, raw: '{"__proto__":{"success":true,"status":"created","ticketId":"rsp-evil-1"}}' }));
    const res = await t.http().post('/tickets').set('X-Api-Key', ADMIN_KEY).send({ type: 'prepare', orderId: 'EDGES-T-2', storeId: '1456' });
    expect(res.status).toBe(502);
    expect(res.body.message).toMatch(/^IMSHOP refused the ticket/);
    expect(await t.db.query("SELECT * FROM imshop_tickets WHERE imshop_ticket_id = 'rsp-evil-1'")).toEqual([]);
  });
});

describe('smaller doors', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ IMSHOP_WEBHOOK_KEY: IMSHOP_KEY, TRUST_PROXY: 'loopback' });
  });
  afterAll(() => t?.close());

  // helmet covered only /admin, /docs and /metrics; the other routes said X-Powered-By: Express.
  it('sends security headers and no X-Powered-By on every route, whatever the answer', async () => {
    const answers = [
      await t.http().get('/health'),
      await t.http().post('/market/notification').set('Content-Type', 'application/json').send('{}'),
      await t
        .http()
        .post('/market/notification')
        .set('X-Forwarded-For', MARKET_ADDRESS)
        .set('Content-Type', 'application/json')
        .send('{"notificationType":"PING"}'),
      await t.http().post('/imshop/tickets/status').send({}),
      await t.http().post('/orders/status').send({}),
      await t.http().get('/no/such/route'),
      await t.http().post('/orders/status').set('Content-Type', 'application/json').send('{broken'),
      await t.http().get('/admin/orders').set('X-Api-Key', ADMIN_KEY),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 403, 200, 401, 401, 404, 400, 200]);
    for (const res of answers) {
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['content-security-policy']).toBeDefined();
    }
  });

  // A huge `page` gave a 500.
  it.each(['/admin/orders', '/admin/deliveries', '/admin/tickets', '/admin/market/events'])(
    'answers a huge page of %s with 400 naming page, not 500',
    async (path) => {
      for (const page of ['1e15', '9007199254740993', '99999999999999999999', String(MAX_PAGE + 1)]) {
        const res = await t.http().get(`${path}?page=${page}&limit=500`).set('X-Api-Key', ADMIN_KEY);
        expect([page, res.status]).toEqual([page, 400]);
        expect(res.body.message).toEqual(
          expect.arrayContaining([expect.stringMatching(/^page must not be greater than 1000000$|^page must be an integer number$/)]),
        );
      }
      const last = await t.http().get(`${path}?page=${MAX_PAGE}&limit=500`).set('X-Api-Key', ADMIN_KEY);
      expect(last.status).toBe(200);
      expect(last.body).toMatchObject({ items: [], page: MAX_PAGE, limit: 500 });
    },
  );

  // Unknown notificationType values became metric labels without bound.
  it('counts unknown Market notification types under one label, however many there are', async () => {
    for (let i = 0; i < 30; i++) {
      const res = await t
        .http()
        .post('/market/notification')
        .set('X-Forwarded-For', MARKET_ADDRESS)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ notificationType: `MADE_UP_${i}` }));
      expect(res.status).toBe(200);
    }
    const metrics = (await t.http().get('/metrics').set('X-Api-Key', ADMIN_KEY)).text;
    expect(metrics).not.toContain('MADE_UP_');
    expect(metrics).toMatch(/order_sync_webhook_requests_total\{endpoint="market",type="unknown",outcome="unhandled"\} 30/);
    // the events themselves are kept as they came (a tolerant reader), for a replay once the type is known
    expect((await t.db.query("SELECT count(*)::int AS n FROM market_events WHERE notification_type LIKE 'MADE_UP_%'"))[0].n).toBe(30);
  });
});
