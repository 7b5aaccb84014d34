import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { int64Paths, notificationSchemas, requiredPaths, validPayload, withValue, without } from './support/market-openapi';
import { ADMIN_KEY, bringDatabaseUp, startTestApp, takeDatabaseDown, type TestApp } from './support/test-app';

const schemas = notificationSchemas();
const types = Object.keys(schemas);

describe('POST /market/notification', () => {
  let t: TestApp;
  const send = (body: unknown, path = '/market/notification') =>
    t
      .http()
      .post(path)
      .set('Content-Type', 'application/json')
      .send(typeof body === 'string' ? body : JSON.stringify(body));
  const eventCount = async () => (await t.db.query('SELECT count(*)::int AS n FROM market_events'))[0].n as number;
  const orderByMarketId = async (orderId: string) =>
    (await t.db.query('SELECT * FROM orders WHERE market_order_id = $1', [orderId]))[0] as Record<string, any> | undefined;
  const expectAnswer200 = (res: { status: number; headers: Record<string, string>; body: any }) => {
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ version: '0.1.0', name: 'order-sync-test', time: expect.any(String) });
    expect(Math.abs(Date.parse(res.body.time) - Date.now())).toBeLessThan(60_000);
    expect(res.body.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  };
  const expectWrongFormat = (res: { status: number; headers: Record<string, string>; body: any }, field: string) => {
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error.type).toBe('WRONG_EVENT_FORMAT');
    expect(res.body.error.message).toContain(field);
  };

  beforeAll(async () => {
    t = await startTestApp({ MARKET_ALLOWED_CIDRS: '*', MARKET_INTEGRATION_NAME: 'order-sync-test' });
  });
  afterAll(() => t.close());

  it('knows all 17 types of the official spec', () => {
    expect(types).toHaveLength(17);
  });

  describe.each(types)('%s', (type) => {
    const schema = schemas[type];
    const payload = validPayload(type, schema);

    it('accepts a valid payload built from the schema, and stores it (PING excepted)', async () => {
      const before = await eventCount();
      expectAnswer200(await send(payload));
      expect(await eventCount()).toBe(type === 'PING' ? before : before + 1);
    });

    const required = requiredPaths(schema).filter((p) => p !== 'notificationType');
    const int64s = int64Paths(schema);
    if (required.length)
      it.each(required)('rejects it without %s, naming the field and storing nothing', async (path) => {
        const before = await eventCount();
        expectWrongFormat(await send(without(payload, path)), path);
        expect(await eventCount()).toBe(before);
      });

    if (int64s.length)
      it.each(int64s)('rejects a mistyped int64 %s', async (path) => {
        for (const bad of ['abc', 1.5, true, '']) expectWrongFormat(await send(withValue(payload, path, bad)), path);
      });
  });

  it('rejects a body without notificationType', async () => {
    expectWrongFormat(await send({ orderId: 1 }), 'notificationType');
    expectWrongFormat(await send([1, 2]), 'JSON object');
  });

  it('serves the same handler at /market, the base URL Market appends /notification to', async () => {
    expectAnswer200(await send({ notificationType: 'PING', time: '2026-11-24T10:00:00Z' }, '/market'));
  });

  it('answers an exact repeat 200 and records it as a re-delivery without applying it twice', async () => {
    const event = {
      notificationType: 'ORDER_STATUS_UPDATED',
      campaignId: 777,
      orderId: 9001,
      status: 'PROCESSING',
      substatus: 'STARTED',
      updatedAt: '2026-11-24T10:00:00+03:00',
    };
    expectAnswer200(await send(event));
    expectAnswer200(await send(event));
    // the same instant written in UTC is the same event
    expectAnswer200(await send({ ...event, updatedAt: '2026-11-24T07:00:00Z' }));
    const rows = await t.db.query("SELECT duplicate_count FROM market_events WHERE order_id = '9001'");
    expect(rows).toEqual([{ duplicate_count: 2 }]);
    const order = await orderByMarketId('9001');
    expect(order!.status).toBe('PROCESSING');
    expect((await t.db.query('SELECT count(*)::int AS n FROM order_history WHERE order_id = $1', [order!.id]))[0].n).toBe(1);
  });

  it('lets the latest updatedAt win: an older status is history only', async () => {
    const base = { notificationType: 'ORDER_STATUS_UPDATED', campaignId: 777, orderId: 9002 };
    expectAnswer200(await send({ ...base, status: 'DELIVERY', substatus: 'DELIVERY_SERVICE_RECEIVED', updatedAt: '2026-11-24T12:00:00Z' }));
    expectAnswer200(await send({ ...base, status: 'PROCESSING', substatus: 'READY_TO_SHIP', updatedAt: '2026-11-24T11:00:00Z' }));
    const order = await orderByMarketId('9002');
    expect(order!.status).toBe('SHIPPED');
    const history = await t.db.query('SELECT outcome, to_status FROM order_history WHERE order_id = $1 ORDER BY id', [order!.id]);
    expect(history).toEqual([
      { outcome: 'applied', to_status: 'SHIPPED' },
      { outcome: 'stale', to_status: 'READY_TO_SHIP' },
    ]);
    const events = await t.db.query("SELECT outcome FROM market_events WHERE order_id = '9002' ORDER BY id");
    expect(events.map((e: any) => e.outcome)).toEqual(['applied', 'stale']);
  });

  it('stores a concurrent burst with repeats once per event, counts every repeat and lets the latest event win per order', async () => {
    // Concurrent notifications share transactions (group commit): this checks that sharing changes no outcome.
    const orderIds = Array.from({ length: 40 }, (_, i) => 9600 + i);
    const steps = [
      { status: 'PROCESSING', substatus: 'STARTED', updatedAt: '2026-11-24T10:00:00Z' },
      { status: 'PROCESSING', substatus: 'READY_TO_SHIP', updatedAt: '2026-11-24T11:00:00Z' },
      { status: 'DELIVERY', substatus: 'DELIVERY_SERVICE_RECEIVED', updatedAt: '2026-11-24T12:00:00Z' },
    ];
    const events = orderIds.flatMap((orderId) => steps.map((step) => ({ notificationType: 'ORDER_STATUS_UPDATED', campaignId: 778, orderId, ...step })));
    const burst = [...events, ...events].map((event, i) => ({ event, rank: (i * 7919) % 240 })).sort((a, b) => a.rank - b.rank);
    const answers = await Promise.all(burst.map(({ event }) => send(event)));
    expect(answers.map((res) => res.status)).toEqual(burst.map(() => 200));

    const stored = await t.db.query("SELECT order_id, duplicate_count, outcome FROM market_events WHERE campaign_id = '778'");
    expect(stored).toHaveLength(events.length);
    expect(stored.every((row: any) => row.duplicate_count === 1)).toBe(true);
    expect(stored.every((row: any) => ['applied', 'stale', 'rejected'].includes(row.outcome))).toBe(true);
    // each stored event carries the outcome its own history row has (not a neighbour's in the batch)
    const mismatched = await t.db.query(
      `SELECT e.id FROM market_events e LEFT JOIN order_history h ON h.dedupe_key = 'market:' || e.dedupe_key
       WHERE e.campaign_id = '778' AND h.outcome IS DISTINCT FROM e.outcome`,
    );
    expect(mismatched).toEqual([]);
    const orders = await t.db.query(
      `SELECT o.market_order_id, o.status, o.status_event_at, count(h.id)::int AS history, count(DISTINCT h.dedupe_key)::int AS keys
       FROM orders o JOIN order_history h ON h.order_id = o.id WHERE o.market_campaign_id = '778' GROUP BY o.id`,
    );
    expect(orders).toHaveLength(orderIds.length);
    for (const order of orders) {
      expect(order).toEqual(expect.objectContaining({ status: 'SHIPPED', history: 3, keys: 3 }));
      expect(new Date(order.status_event_at).toISOString()).toBe('2026-11-24T12:00:00.000Z');
    }
  });

  it('accepts and stores unknown enum values, unknown fields and unknown types', async () => {
    const odd = {
      notificationType: 'ORDER_STATUS_UPDATED',
      campaignId: 777,
      orderId: 9003,
      status: 'TELEPORTED',
      substatus: 'VIA_WORMHOLE',
      updatedAt: '2026-11-24T10:00:00Z',
      colour: 'blue',
    };
    expectAnswer200(await send(odd));
    const stored = (await t.db.query("SELECT outcome, payload FROM market_events WHERE order_id = '9003'"))[0];
    expect(stored.outcome).toBe('unmapped');
    expect(stored.payload.colour).toBe('blue');
    const order = await orderByMarketId('9003');
    expect(order!.status).toBe('UNKNOWN');

    expectAnswer200(await send({ notificationType: 'ORDER_TELEPORTED', orderId: 1, when: 'now' }));
    const unknown = (await t.db.query("SELECT known, outcome, payload FROM market_events WHERE notification_type = 'ORDER_TELEPORTED'"))[0];
    expect(unknown).toEqual({ known: false, outcome: 'unhandled', payload: { notificationType: 'ORDER_TELEPORTED', orderId: 1, when: 'now' } });
  });

  it('keeps int64 ids beyond 2^53 exact', async () => {
    const body =
      '{"notificationType":"ORDER_STATUS_UPDATED","campaignId":9223372036854775806,"orderId":9223372036854775807,"status":"PROCESSING","substatus":"STARTED","updatedAt":"2026-11-24T10:00:00Z"}';
    expectAnswer200(await send(body));
    const order = (await t.db.query("SELECT market_campaign_id, market_order_id FROM orders WHERE market_order_id = '9223372036854775807'"))[0];
    expect(order).toEqual({ market_campaign_id: '9223372036854775806', market_order_id: '9223372036854775807' });
    const event = (await t.db.query("SELECT payload->>'orderId' AS id FROM market_events WHERE order_id = '9223372036854775807'"))[0];
    expect(event.id).toBe('9223372036854775807');
    expectWrongFormat(await send(body.replace('9223372036854775807', '9223372036854775808')), 'orderId');
  });

  it('applies each order notification to the order aggregate', async () => {
    const ids = { campaignId: 778, orderId: 9100 };
    expectAnswer200(await send({ notificationType: 'ORDER_CREATED', ...ids, items: [{ offerId: 'SKU-1', count: 2 }], createdAt: '2026-11-24T09:00:00Z' }));
    let order = await orderByMarketId('9100');
    // Market's lines as the order's items, in the one shape every path writes.
    expect(order).toEqual(expect.objectContaining({ status: 'NEW', items: [{ sku: 'SKU-1', name: null, count: 2, price: null, total: null }] }));

    expectAnswer200(
      await send({ notificationType: 'ORDER_STATUS_UPDATED', ...ids, status: 'PROCESSING', substatus: 'STARTED', updatedAt: '2026-11-24T09:05:00Z' }),
    );
    expectAnswer200(await send({ notificationType: 'ORDER_CANCELLATION_REQUEST', ...ids, requestedAt: '2026-11-24T09:10:00Z' }));
    order = await orderByMarketId('9100');
    expect(order!.status).toBe('PROCESSING');
    expect(new Date(order!.cancellation_requested_at).toISOString()).toBe('2026-11-24T09:10:00.000Z');

    expectAnswer200(await send({ notificationType: 'ORDER_UPDATED', ...ids, updateType: 'DELIVERY_DATES_UPDATED', updatedAt: '2026-11-24T09:12:00Z' }));
    expectAnswer200(await send({ notificationType: 'ORDER_CANCELLED', ...ids, items: [{ offerId: 'SKU-1', count: 2 }], cancelledAt: '2026-11-24T09:20:00Z' }));
    expect((await orderByMarketId('9100'))!.status).toBe('CANCELLED');

    expectAnswer200(
      await send({
        notificationType: 'ORDER_RETURN_CREATED',
        ...ids,
        returnId: 55,
        returnType: 'UNREDEEMED',
        items: [{ offerId: 'SKU-1', count: 1 }],
        createdAt: '2026-11-25T09:00:00Z',
      }),
    );
    expectAnswer200(
      await send({
        notificationType: 'ORDER_RETURN_STATUS_UPDATED',
        ...ids,
        returnId: 55,
        statuses: { shipmentStatus: 'IN_TRANSIT' },
        updatedAt: '2026-11-25T10:00:00Z',
      }),
    );
    expectAnswer200(
      await send({
        notificationType: 'ORDER_RETURN_STATUS_UPDATED',
        ...ids,
        returnId: 55,
        statuses: { shipmentStatus: 'CREATED' },
        updatedAt: '2026-11-25T09:30:00Z',
      }),
    );
    expectAnswer200(
      await send({
        notificationType: 'ORDER_RETURN_STATUS_UPDATED',
        ...ids,
        returnId: 55,
        statuses: { refundStatus: 'REFUNDED' },
        updatedAt: '2026-11-25T11:00:00Z',
      }),
    );

    const detail = await t.http().get(`/admin/orders/${order!.id}`).set('X-Api-Key', ADMIN_KEY);
    expect(detail.status).toBe(200);
    expect(detail.body.marketReturns).toEqual([
      expect.objectContaining({
        returnId: '55',
        returnType: 'UNREDEEMED',
        shipmentStatus: 'IN_TRANSIT',
        refundStatus: 'REFUNDED',
        items: [{ offerId: 'SKU-1', count: 1 }],
      }),
    ]);
    expect(detail.body.history.map((h: any) => [h.outcome, h.toStatus])).toEqual([
      ['applied', 'NEW'],
      ['applied', 'PROCESSING'],
      ['info', null],
      ['info', null],
      ['applied', 'CANCELLED'],
      ['info', null],
      ['info', null],
      ['info', null],
      ['info', null],
    ]);
  });

  it('lists stored notifications by type and order for admins', async () => {
    expectAnswer200(await send({ notificationType: 'CHAT_CREATED', businessId: 1, orderId: 9100, chatId: 42, createdAt: '2026-11-24T09:00:00Z' }));
    const chats = await t.http().get('/admin/market/events?type=CHAT_CREATED').set('X-Api-Key', ADMIN_KEY);
    expect(chats.status).toBe(200);
    expect(chats.body.items.every((e: any) => e.notificationType === 'CHAT_CREATED')).toBe(true);
    expect(chats.body.total).toBeGreaterThanOrEqual(2);
    const forOrder = await t.http().get('/admin/market/events?orderId=9100&limit=100').set('X-Api-Key', ADMIN_KEY);
    expect(forOrder.body.items.length).toBeGreaterThanOrEqual(8);
    expect((await t.http().get('/admin/market/events?orderId=abc').set('X-Api-Key', ADMIN_KEY)).status).toBe(400);
    expect((await t.http().get('/admin/market/events')).status).toBe(401);
  });

  it("answers content-type, broken JSON and oversized bodies with Market's 400 body, never HTML", async () => {
    const plain = await t.http().post('/market/notification').set('Content-Type', 'text/plain').send('{"notificationType":"PING"}');
    expectWrongFormat(plain, 'Content-Type');
    const none = await t.http().post('/market/notification');
    expectWrongFormat(none, 'Content-Type');
    expectWrongFormat(await send('{"notificationType": "PING",'), 'malformed JSON');
    expectWrongFormat(await send(''), 'empty');
    const huge = JSON.stringify({ notificationType: 'PING', padding: 'x'.repeat(1024 * 1024 + 10) });
    expectWrongFormat(await send(huge), 'larger than');
  });

  it("answers 500 with Market's error body while the database is down, and stores the retry afterwards", async () => {
    const event = {
      notificationType: 'ORDER_STATUS_UPDATED',
      campaignId: 779,
      orderId: 9200,
      status: 'PROCESSING',
      substatus: 'STARTED',
      updatedAt: '2026-11-24T10:00:00Z',
    };
    await takeDatabaseDown(t.databaseName);
    try {
      const failed = await send(event);
      expect(failed.status).toBe(500);
      expect(failed.body).toEqual({ error: { type: 'UNKNOWN', message: expect.any(String) } });
      expectAnswer200(await send({ notificationType: 'PING', time: '2026-11-24T10:00:00Z' }));
    } finally {
      await bringDatabaseUp(t.databaseName);
    }
    let retry = await send(event);
    for (let i = 0; i < 20 && retry.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      retry = await send(event);
    }
    expectAnswer200(retry);
    expect((await t.db.query("SELECT count(*)::int AS n FROM market_events WHERE order_id = '9200'"))[0].n).toBe(1);
    expect((await orderByMarketId('9200'))!.status).toBe('PROCESSING');
  });

  it('documents an example for every type in Swagger, and each example is accepted', async () => {
    const doc = (await t.http().get('/docs-json')).body;
    const examples = doc.paths['/market/notification'].post.requestBody.content['application/json'].examples;
    expect(Object.keys(examples).sort()).toEqual([...types].sort());
    for (const [type, example] of Object.entries<any>(examples)) {
      const res = await send(example.value);
      expect({ type, status: res.status, body: res.body }).toEqual({ type, status: 200, body: expect.objectContaining({ name: 'order-sync-test' }) });
    }
  });
});

describe('Market IP allowlist', () => {
  let t: TestApp;
  afterAll(() => t?.close());

  it("refuses requests from outside Market's networks with 403 and stores nothing", async () => {
    t = await startTestApp({});
    const event = {
      notificationType: 'ORDER_STATUS_UPDATED',
      campaignId: 1,
      orderId: 1,
      status: 'PROCESSING',
      substatus: 'STARTED',
      updatedAt: '2026-11-24T10:00:00Z',
    };
    const res = await t.http().post('/market/notification').set('Content-Type', 'application/json').send(event);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('not allowed');
    // X-Forwarded-For is not believed unless TRUST_PROXY says so
    const spoofed = await t.http().post('/market/notification').set('X-Forwarded-For', '5.45.207.10').set('Content-Type', 'application/json').send(event);
    expect(spoofed.status).toBe(403);
    expect((await t.db.query('SELECT count(*)::int AS n FROM market_events'))[0].n).toBe(0);
    await t.close();

    t = await startTestApp({ TRUST_PROXY: 'loopback' });
    const viaProxy = await t.http().post('/market/notification').set('X-Forwarded-For', '5.45.207.10').set('Content-Type', 'application/json').send(event);
    expect(viaProxy.status).toBe(200);
    const outsider = await t.http().post('/market/notification').set('X-Forwarded-For', '8.8.8.8').set('Content-Type', 'application/json').send(event);
    expect(outsider.status).toBe(403);
    expect((await t.db.query('SELECT count(*)::int AS n FROM market_events'))[0].n).toBe(1);
  });
});
