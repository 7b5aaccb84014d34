import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { MarketReconcileService } from '../src/market-reconcile/market-reconcile.service';
import { MetricsService } from '../src/metrics/metrics.service';
import { eventually } from './support/fake-http-peer';
import { startFakeImshop, type FakeImshop } from './support/fake-imshop';
import { marketError, partnerApi, startFakeMarketApi, type FakeMarketApi, type MarketAnswer, type MarketRequest } from './support/fake-market-api';
import { BUSINESS, MARKET_KEY, marketLoopEnv, STORE } from './support/market-loop-fixtures';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

interface MarketOrder {
  campaignId: string;
  orderId: string;
  status: string;
  substatus: string;
  /** ISO 8601 with the Moscow offset, as Market returns it. */
  updateDate: string;
}

/** An instant as Market writes it: `2026-11-24T10:00:00+03:00`. */
function moscow(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000 + 3 * 3_600_000).toISOString().slice(0, 19)}+03:00`;
}

/** The order as `POST v1/businesses/{businessId}/orders` returns it (valid per `BusinessOrderDTO`). */
function businessOrder(o: MarketOrder) {
  return {
    orderId: Number(o.orderId),
    campaignId: Number(o.campaignId),
    programType: 'DBS',
    status: o.status,
    substatus: o.substatus,
    creationDate: '2026-11-24T10:00:00+03:00',
    updateDate: o.updateDate,
    paymentType: 'PREPAID',
    paymentMethod: 'YANDEX',
    fake: false,
    items: [{ id: 1001, offerId: 'SKU-RED-42', offerName: 'Кроссовки красные, 42', count: 2, prices: { payment: { value: 9000, currencyId: 'RUR' } } }],
    delivery: {
      type: 'DELIVERY',
      serviceName: 'Своя курьерская служба',
      deliveryServiceId: 99,
      deliveryPartnerType: 'SHOP',
      dates: { fromDate: '2026-11-26', toDate: '2026-11-27' },
    },
  };
}

describe('Market reconciliation (fake partner API over real HTTP, real PostgreSQL)', () => {
  let t: TestApp;
  let market: FakeMarketApi;
  let imshop: FakeImshop;
  /** What Market holds: the fake answers getBusinessOrders searches from it. */
  const onMarket: MarketOrder[] = [];
  /** Orders per page the fake answers (Market truncates `limit`): small, to make paging happen. */
  let pageSize = 50;
  /** A hook in front of the search answers (failures, rate limits). */
  let intercept: (req: MarketRequest, searchIndex: number) => MarketAnswer | undefined = () => undefined;
  let searches: MarketRequest[] = [];
  let clock = Date.now() - 30 * 60_000;
  let nextOrder = 770_000_000 + Math.floor(Math.random() * 1_000_000);
  let nextCampaign = 31_000_000 + Math.floor(Math.random() * 1_000_000);
  const tick = () => (clock += 1000);
  const newOrderId = () => String(++nextOrder);

  const admin = () => ({
    get: (path: string) => t.http().get(path).set('X-Api-Key', ADMIN_KEY),
    put: (path: string, body: object) => t.http().put(path).set('X-Api-Key', ADMIN_KEY).send(body),
    post: (path: string, body: object) => t.http().post(path).set('X-Api-Key', ADMIN_KEY).send(body),
  });
  const reconcile = (body: object) => admin().post('/admin/market/reconcile', body);
  const notify = (body: string) => t.http().post('/market/notification').set('Content-Type', 'application/json').send(body);
  const orderCreated = (campaignId: string, orderId: string, at: number) =>
    notify(
      `{"notificationType":"ORDER_CREATED","campaignId":${campaignId},"orderId":${orderId},"items":[{"offerId":"SKU-RED-42","count":2}],"createdAt":"${new Date(at).toISOString()}"}`,
    );
  const statusUpdated = (campaignId: string, orderId: string, status: string, substatus: string, at: number) =>
    notify(
      `{"notificationType":"ORDER_STATUS_UPDATED","campaignId":${campaignId},"orderId":${orderId},"status":"${status}","substatus":"${substatus}","updatedAt":"${new Date(at).toISOString()}"}`,
    );
  const orderOf = async (marketOrderId: string) =>
    (await t.db.query('SELECT * FROM orders WHERE market_order_id = $1', [marketOrderId]))[0] as Record<string, any> | undefined;
  const historyOf = async (marketOrderId: string) =>
    (await t.db.query('SELECT h.* FROM order_history h JOIN orders o ON o.id = h.order_id WHERE o.market_order_id = $1 ORDER BY h.id', [
      marketOrderId,
    ])) as Record<string, any>[];
  const deliveriesOf = async (marketOrderId: string) =>
    (await t.db.query('SELECT d.* FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE o.market_order_id = $1 ORDER BY d.id', [marketOrderId])) as Record<
      string,
      any
    >[];
  const cursorOf = async (campaignId: string) =>
    (await t.db.query('SELECT * FROM market_reconcile_cursors WHERE campaign_id = $1', [campaignId]))[0] as Record<string, any> | undefined;
  /** A campaign of its own per test (its own cursor), with a business id. */
  const newCampaign = async (rules: object = {}, businessId = BUSINESS) => {
    const campaignId = String(++nextCampaign);
    const res = await admin().put(`/admin/market/campaigns/${campaignId}/automation`, { businessId, storeId: STORE, rules: { pushStatuses: true, ...rules } });
    expect(res.status).toBe(200);
    return campaignId;
  };
  const onMarketNow = (campaignId: string, orderId: string, status: string, substatus: string, at: number) => {
    const existing = onMarket.find((o) => o.campaignId === campaignId && o.orderId === orderId);
    if (existing) Object.assign(existing, { status, substatus, updateDate: moscow(at) });
    else onMarket.push({ campaignId, orderId, status, substatus, updateDate: moscow(at) });
  };
  const searchesFor = (campaignId: string) => searches.filter((r) => String(r.body?.campaignIds?.[0]) === campaignId);

  /** The fake's getBusinessOrders: filters by campaign and update window, pages with opaque tokens. */
  function search(req: MarketRequest): MarketAnswer {
    const url = new URL(req.path, 'http://fake');
    const campaignIds = (req.body.campaignIds ?? []).map(String);
    const from = Date.parse(req.body.dates.updateDateFrom);
    const to = Date.parse(req.body.dates.updateDateTo);
    const matching = onMarket
      .filter((o) => campaignIds.includes(o.campaignId) && Date.parse(o.updateDate) >= from && Date.parse(o.updateDate) <= to)
      .sort((a, b) => a.orderId.localeCompare(b.orderId));
    const limit = Math.min(pageSize, Number(url.searchParams.get('limit') ?? 50));
    const token = url.searchParams.get('pageToken') ?? url.searchParams.get('page_token');
    const offset = token ? Number(Buffer.from(token, 'base64url').toString().replace('offset:', '')) : 0;
    const orders = matching.slice(offset, offset + limit).map(businessOrder);
    const more = offset + limit < matching.length;
    return {
      status: 200,
      headers: {
        'X-RateLimit-Resource-Limit': '10000',
        'X-RateLimit-Resource-Remaining': '9000',
        'X-RateLimit-Resource-Until': new Date(Date.now() + 3_600_000).toUTCString(),
      },
      body: { orders, ...(more ? { paging: { nextPageToken: Buffer.from(`offset:${offset + limit}`).toString('base64url') } } : { paging: {} }) },
    };
  }

  beforeAll(async () => {
    market = await startFakeMarketApi(MARKET_KEY);
    imshop = await startFakeImshop();
    t = await startTestApp(
      marketLoopEnv(market, imshop, {
        MARKET_RECONCILE_MINUTES: '0',
        DELIVERY_BACKOFF_MS: '40',
        DELIVERY_BACKOFF_MAX_MS: '300',
        DELIVERY_TIMEOUT_MS: '2000',
        OUTBOX_SWEEP_MS: '200',
      }),
    );
    market.respond((req) => {
      if (req.operationId !== 'getBusinessOrders') return undefined;
      if (!req.body?.dates) {
        // the detail fetch of one order (the store ticket needs it)
        const ids = (req.body?.orderIds ?? []).map(String);
        return { status: 200, body: { orders: onMarket.filter((o) => ids.includes(o.orderId)).map(businessOrder) } };
      }
      searches.push(req);
      return intercept(req, searches.length - 1) ?? search(req);
    });
  });
  afterAll(async () => {
    await t?.close();
    await market?.close();
    await imshop?.close();
  });
  beforeEach(() => {
    pageSize = 50;
    intercept = () => undefined;
    searches = [];
  });

  it('answers are valid for the fixture, and every search we send is valid per the partner API', async () => {
    const campaignId = await newCampaign();
    onMarketNow(campaignId, newOrderId(), 'PROCESSING', 'STARTED', tick());
    const page = search({
      path: '/v1/businesses/1/orders',
      body: { campaignIds: [Number(campaignId)], dates: { updateDateFrom: moscow(0), updateDateTo: moscow(Date.now() + 60_000) } },
    } as never);
    expect((await partnerApi()).validateSchema('GetBusinessOrdersResponse', page.body)).toEqual([]);

    const res = await reconcile({ campaignId });
    expect(res.status).toBe(200);
    const [req] = searchesFor(campaignId);
    expect(req.problems).toEqual([]);
    expect(req.method).toBe('POST');
    expect(req.path).toMatch(new RegExp(`^/v1/businesses/${BUSINESS}/orders\\?limit=50$`));
    expect(req.headers['api-key']).toBe(MARKET_KEY);
    expect(req.raw).toContain(`"campaignIds":[${campaignId}]`);
    // ISO 8601 with the Moscow offset, whole seconds; the first run looks back a day
    expect(req.body.dates.updateDateFrom).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:00$/);
    expect(Date.parse(req.body.dates.updateDateTo) - Date.parse(req.body.dates.updateDateFrom)).toBe(24 * 3_600_000);
  });

  it('catches a status whose notification never came: the order moves, the store ticket follows, nothing is echoed to Market', async () => {
    const campaignId = await newCampaign({ prepareTicket: true });
    const orderId = newOrderId();
    const created = tick();
    expect((await orderCreated(campaignId, orderId, created)).status).toBe(200);
    expect((await orderOf(orderId))!.status).toBe('NEW');
    // Market confirmed the order, but the PROCESSING/STARTED notification was lost
    const confirmed = tick();
    onMarketNow(campaignId, orderId, 'PROCESSING', 'STARTED', confirmed);

    const res = await reconcile({ campaignId });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ campaignId, mode: 'cursor', seen: 1, changed: 1, created: 0, unchanged: 0, pages: 1 });
    const order = (await orderOf(orderId))!;
    expect(order.status).toBe('PROCESSING');
    expect(order.status_source).toBe('market_poll');
    expect(new Date(order.status_event_at).getTime()).toBe(Math.floor(confirmed / 1000) * 1000);
    const history = await historyOf(orderId);
    expect(history.at(-1)).toMatchObject({
      source: 'market_poll',
      outcome: 'applied',
      from_status: 'NEW',
      to_status: 'PROCESSING',
      external_code: 'PROCESSING',
      external_substatus: 'STARTED',
    });

    // outbound: the prepare ticket the missed notification would have started; no status push back to Market
    const deliveries = await eventually(async () => {
      const rows = await deliveriesOf(orderId);
      return rows.some((d) => d.target === 'imshop_prepare') ? rows : undefined;
    });
    expect(deliveries.map((d) => d.target)).not.toContain('market');
    await imshop.waitFor((requests) => requests.some((r) => r.path === '/tickets'));

    // the cursor moved to the end of the window; a second run re-reads the overlap and changes nothing
    const cursor = (await cursorOf(campaignId))!;
    expect(cursor.run_from).toBeNull();
    expect(cursor.page_token).toBeNull();
    expect(new Date(cursor.cursor_at).toISOString()).toBe(res.body.until);
    expect(cursor.last_success_at).not.toBeNull();
    expect(cursor.last_counts).toMatchObject({ seen: 1, changed: 1, created: 0, unchanged: 0 });
    const again = await reconcile({ campaignId });
    expect(again.body).toMatchObject({ seen: 0, changed: 0, created: 0, unchanged: 0 });
    expect(Date.parse(again.body.since)).toBe(Date.parse(res.body.until) - 5 * 60_000);
    // pulling the same state again (a recovery window over it) is a duplicate: no new history
    const window = await reconcile({ campaignId, since: new Date(confirmed - 60_000).toISOString() });
    expect(window.body).toMatchObject({ seen: 1, changed: 0, created: 0, unchanged: 1, outcomes: { duplicate: 1 } });
    expect((await historyOf(orderId)).filter((h) => h.source === 'market_poll')).toHaveLength(1);

    const metrics = await t.app.get(MetricsService).registry.metrics();
    expect(metrics).toMatch(new RegExp(`order_sync_reconcile_corrected_total\\{campaign="${campaignId}"\\} 1`));
    expect(metrics).toMatch(new RegExp(`order_sync_reconcile_last_success_timestamp_seconds\\{campaign="${campaignId}"\\} \\d+`));
  });

  it('creates an order Market never told us about', async () => {
    const campaignId = await newCampaign();
    const orderId = newOrderId();
    onMarketNow(campaignId, orderId, 'DELIVERY', 'DELIVERY_SERVICE_RECEIVED', tick());
    const res = await reconcile({ campaignId });
    expect(res.body).toMatchObject({ seen: 1, changed: 0, created: 1, unchanged: 0 });
    const order = (await orderOf(orderId))!;
    expect(order).toMatchObject({ status: 'SHIPPED', market_campaign_id: campaignId, status_source: 'market_poll' });
    expect(order.items).toEqual([{ sku: 'SKU-RED-42', name: 'Кроссовки красные, 42', count: 2, price: 4500, total: 9000 }]);
  });

  it('ignores a pulled state older than what the notifications already gave us', async () => {
    const campaignId = await newCampaign();
    const orderId = newOrderId();
    const processingAt = tick();
    expect((await orderCreated(campaignId, orderId, tick())).status).toBe(200);
    expect((await statusUpdated(campaignId, orderId, 'PROCESSING', 'STARTED', processingAt + 1000)).status).toBe(200);
    const shippedAt = tick() + 5000;
    clock = shippedAt;
    expect((await statusUpdated(campaignId, orderId, 'DELIVERY', 'DELIVERY_SERVICE_RECEIVED', shippedAt)).status).toBe(200);
    expect((await orderOf(orderId))!.status).toBe('SHIPPED');
    // Market's search index still shows an older state
    onMarketNow(campaignId, orderId, 'PROCESSING', 'READY_TO_SHIP', shippedAt - 2000);

    const res = await reconcile({ campaignId });
    expect(res.body).toMatchObject({ seen: 1, changed: 0, created: 0, unchanged: 1, outcomes: { stale: 1 } });
    const order = (await orderOf(orderId))!;
    expect(order.status).toBe('SHIPPED');
    expect(new Date(order.status_event_at).getTime()).toBe(shippedAt);
    expect((await historyOf(orderId)).at(-1)).toMatchObject({ source: 'market_poll', outcome: 'stale' });
    const metrics = await t.app.get(MetricsService).registry.metrics();
    expect(metrics).not.toMatch(new RegExp(`order_sync_reconcile_corrected_total\\{campaign="${campaignId}"\\}`));
  });

  it('pages through the results with nextPageToken', async () => {
    const campaignId = await newCampaign();
    const ids = Array.from({ length: 5 }, () => newOrderId());
    for (const id of ids) onMarketNow(campaignId, id, 'PROCESSING', 'STARTED', tick());
    pageSize = 2;
    const res = await reconcile({ campaignId });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ seen: 5, created: 5, changed: 0, unchanged: 0, pages: 3 });
    const reqs = searchesFor(campaignId);
    expect(reqs).toHaveLength(3);
    for (const req of reqs) expect(req.problems).toEqual([]);
    expect(new URL(reqs[0].path, 'http://x').searchParams.get('pageToken')).toBeNull();
    expect(new URL(reqs[1].path, 'http://x').searchParams.get('pageToken')).toBe(Buffer.from('offset:2').toString('base64url'));
    expect(new URL(reqs[2].path, 'http://x').searchParams.get('pageToken')).toBe(Buffer.from('offset:4').toString('base64url'));
    // one window for all pages
    expect(new Set(reqs.map((r) => JSON.stringify(r.body.dates))).size).toBe(1);
    for (const id of ids) expect((await orderOf(id))!.status).toBe('PROCESSING');
  });

  it("backs off on Market's rate-limit answer (420 with X-RateLimit-Resource-Until) and then finishes", async () => {
    const campaignId = await newCampaign();
    const orderId = newOrderId();
    onMarketNow(campaignId, orderId, 'PROCESSING', 'STARTED', tick());
    // Until has whole seconds: at least 1 s from now
    const until = (Math.floor(Date.now() / 1000) + 2) * 1000;
    intercept = (_req, i) =>
      i === 0
        ? {
            status: 420,
            headers: {
              'X-RateLimit-Resource-Limit': '10000',
              'X-RateLimit-Resource-Remaining': '0',
              'X-RateLimit-Resource-Until': new Date(until).toUTCString(),
            },
            body: marketError('LIMIT_EXCEEDED', 'Hit rate limit of 10000 requests per 1 hour'),
          }
        : undefined;
    const res = await reconcile({ campaignId });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ seen: 1, created: 1 });
    const reqs = searchesFor(campaignId);
    expect(reqs).toHaveLength(2);
    expect(reqs[1].at).toBeGreaterThanOrEqual(until - 20);
    const metrics = await t.app.get(MetricsService).registry.metrics();
    expect(metrics).toMatch(new RegExp(`order_sync_reconcile_backoffs_total\\{campaign="${campaignId}"\\} 1`));
  });

  it('stops without moving the cursor when the rate limit holds too long', async () => {
    // a business of its own: the limiter then holds this business back for 10 minutes
    const campaignId = await newCampaign({}, '675790');
    const orderId = newOrderId();
    onMarketNow(campaignId, orderId, 'PROCESSING', 'STARTED', tick());
    intercept = () => ({
      status: 420,
      headers: { 'X-RateLimit-Resource-Until': new Date(Date.now() + 10 * 60_000).toUTCString() },
      body: marketError('LIMIT_EXCEEDED', 'Hit rate limit'),
    });
    const res = await reconcile({ campaignId });
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ campaignId, seen: 0, pages: 0 });
    expect(res.body.message).toMatch(/rate limit/);
    const cursor = (await cursorOf(campaignId))!;
    expect(cursor.cursor_at).toBeNull();
    expect(cursor.run_from).not.toBeNull();
    expect(cursor.last_error).toMatch(/rate limit/);
    expect(await orderOf(orderId)).toBeUndefined();
  });

  it('resumes a run cut short between pages at the unfinished page, without gaps', async () => {
    const campaignId = await newCampaign();
    const ids = Array.from({ length: 5 }, () => newOrderId());
    for (const id of ids) onMarketNow(campaignId, id, 'PROCESSING', 'STARTED', tick());
    pageSize = 2;
    let failed = false;
    intercept = (req) => {
      if (!failed && new URL(req.path, 'http://x').searchParams.get('pageToken')) {
        failed = true;
        return { status: 500, body: marketError('INTERNAL_ERROR', 'Internal server error') };
      }
      return undefined;
    };
    const first = await reconcile({ campaignId });
    expect(first.status).toBe(502);
    expect(first.body).toMatchObject({ seen: 2, created: 2, pages: 1 });
    // page 1 applied, the cursor waits at page 2 of the same window
    const cursor = (await cursorOf(campaignId))!;
    expect(cursor.cursor_at).toBeNull();
    expect(cursor.pages_done).toBe(1);
    expect(cursor.page_token).toBe(Buffer.from('offset:2').toString('base64url'));
    expect(new Date(cursor.run_from).toISOString()).toBe(first.body.since);
    expect(cursor.last_error).toMatch(/500/);
    expect((await orderOf(ids[0]))!.status).toBe('PROCESSING');
    expect(await orderOf(ids[2])).toBeUndefined();

    // meanwhile an order changes after the window: the resumed run keeps its window, the run after that catches it
    const later = newOrderId();
    clock = Date.now() + 2000;
    onMarketNow(campaignId, later, 'PROCESSING', 'STARTED', clock);

    const firstReqs = searchesFor(campaignId);
    const resumed = await reconcile({ campaignId });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ resumed: true, since: first.body.since, until: first.body.until, seen: 3, created: 3, pages: 2 });
    const resumedReqs = searchesFor(campaignId).slice(firstReqs.length);
    expect(new URL(resumedReqs[0].path, 'http://x').searchParams.get('pageToken')).toBe(Buffer.from('offset:2').toString('base64url'));
    expect(resumedReqs[0].body.dates).toEqual(firstReqs[0].body.dates);
    for (const id of ids) expect((await orderOf(id))!.status).toBe('PROCESSING');
    const done = (await cursorOf(campaignId))!;
    expect(new Date(done.cursor_at).toISOString()).toBe(first.body.until);
    expect(done.page_token).toBeNull();
    expect(done.run_from).toBeNull();
    expect(done.last_error).toBeNull();
    expect(await orderOf(later)).toBeUndefined();

    await new Promise((r) => setTimeout(r, Math.max(0, clock - Date.now() + 1100)));
    const next = await reconcile({ campaignId });
    expect(next.body).toMatchObject({ resumed: false, created: 1 });
    expect((await orderOf(later))!.status).toBe('PROCESSING');
  });

  it('a recovery window (since/until) pulls that window only and leaves the cursor alone', async () => {
    const campaignId = await newCampaign();
    const inside = newOrderId();
    const outside = newOrderId();
    const at = tick();
    onMarketNow(campaignId, inside, 'PROCESSING', 'STARTED', at);
    onMarketNow(campaignId, outside, 'PROCESSING', 'STARTED', at - 3 * 3_600_000);
    const res = await reconcile({ campaignId, since: new Date(at - 60_000).toISOString(), until: moscow(at + 60_000) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ mode: 'window', seen: 1, created: 1, changed: 0, unchanged: 0 });
    expect(await orderOf(outside)).toBeUndefined();
    expect(await cursorOf(campaignId)).toBeUndefined();
  });

  it('validates the admin request and names the bad fields', async () => {
    const unconfigured = String(++nextCampaign);
    const cases: [object, RegExp][] = [
      [{}, /campaignId/],
      [{ campaignId: 'abc' }, /campaignId must be an int64/],
      [{ campaignId: '0' }, /campaignId must be an int64/],
      [{ campaignId: '12', since: 'yesterday' }, /since must be an ISO 8601/],
      [{ campaignId: '12', since: '2026-11-24T00:00:00Z', until: '2026-13-01' }, /until must be an ISO 8601/],
      [{ campaignId: '12', until: '2026-11-24T00:00:00Z' }, /until needs since/],
      [{ campaignId: '12', since: '2026-11-24T00:00:00Z', until: '2026-11-23T00:00:00Z' }, /since must be before until/],
      [{ campaignId: '12', since: '2099-01-01T00:00:00Z' }, /since must not be in the future/],
      [{ campaignId: '12', extra: 1 }, /extra/],
      [{ campaignId: unconfigured }, new RegExp(`campaignId: campaign ${unconfigured} has no businessId`)],
    ];
    for (const [body, message] of cases) {
      const res = await reconcile(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(JSON.stringify(res.body.message)).toMatch(message);
    }
    expect((await t.http().post('/admin/market/reconcile').send({ campaignId: '12' })).status).toBe(401);
    // a number is accepted for a campaign id that fits
    const campaignId = await newCampaign();
    expect((await reconcile({ campaignId: Number(campaignId) })).status).toBe(200);
  });

  it('runs in exactly one instance at a time (advisory locks)', async () => {
    const campaignId = await newCampaign();
    const client = new pg.Client({ connectionString: t.config.databaseUrl });
    await client.connect();
    try {
      await client.query(`SELECT pg_advisory_lock(hashtextextended('order-sync:market-reconcile', 0))`);
      const service = t.app.get(MarketReconcileService);
      expect(await service.runAll()).toMatchObject({ ran: false });
      await client.query(`SELECT pg_advisory_unlock(hashtextextended('order-sync:market-reconcile', 0))`);

      await client.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [`order-sync:market-reconcile:${campaignId}`]);
      const busy = await reconcile({ campaignId });
      expect(busy.status).toBe(409);
      // the scheduled job skips that campaign this round and does the others
      const all = await service.runAll();
      expect(all.ran).toBe(true);
      expect(all.reports.map((r) => r.campaignId)).not.toContain(campaignId);
      expect(all.reports.length).toBeGreaterThan(0);
      await client.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [`order-sync:market-reconcile:${campaignId}`]);
      expect((await reconcile({ campaignId })).status).toBe(200);
    } finally {
      await client.end();
    }
  });

  it('a worker runs it every MARKET_RECONCILE_MINUTES; an api-only process does not', async () => {
    const campaignId = await newCampaign();
    const orderId = newOrderId();
    onMarketNow(campaignId, orderId, 'PROCESSING', 'STARTED', tick());
    const shared = { databaseUrl: t.config.databaseUrl!, databaseName: t.databaseName };
    const env = { MARKET_API_URL: market.url, MARKET_API_KEY: MARKET_KEY, MARKET_RECONCILE_MINUTES: '0.01' };
    const api = await startTestApp({ ...env, APP_ROLE: 'api' }, shared);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      expect(searchesFor(campaignId)).toHaveLength(0);
    } finally {
      await api.close();
    }
    const worker = await startTestApp({ ...env, APP_ROLE: 'worker' }, shared);
    try {
      await eventually(async () => (await orderOf(orderId))?.status === 'PROCESSING', 10_000);
      expect(searchesFor(campaignId).length).toBeGreaterThan(0);
    } finally {
      await worker.close();
    }
  });
});
