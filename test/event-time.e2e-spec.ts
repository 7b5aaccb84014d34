import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BoundFutureEventTimes1795641000000 } from '../src/database/migrations/1795641000000-BoundFutureEventTimes';
import { startFakeMarketApi, type FakeMarketApi } from './support/fake-market-api';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

const MARKET_KEY = 'market-api-key-0123456789';
const IMSHOP_KEY = 'imshop-test-key-0123456789';
const BUSINESS = '675789';
const TEN_YEARS_MS = 3653 * 86_400_000;

/**
 * A peer's clock running ahead (ten years, say) must not freeze an order: every source bounds the time it
 * claims by the time we received it (EVENT_TIME_MAX_SKEW_SECONDS, default 60 s here).
 */
describe('event times far ahead of their receipt (real PostgreSQL, fake Market partner API over HTTP)', () => {
  let t: TestApp;
  let market: FakeMarketApi;
  let nextOrder = 660_000_000 + Math.floor(Math.random() * 1_000_000);
  const campaign = String(41_000_000 + Math.floor(Math.random() * 1_000_000));
  const newOrderId = () => String(++nextOrder);
  /** What the fake Market's getBusinessOrders search answers (the reconciliation pull). */
  let pulled: object[] = [];

  const admin = () => ({
    get: (path: string) => t.http().get(path).set('X-Api-Key', ADMIN_KEY),
    post: (path: string, body: object) => t.http().post(path).set('X-Api-Key', ADMIN_KEY).send(body),
    put: (path: string, body: object) => t.http().put(path).set('X-Api-Key', ADMIN_KEY).send(body),
  });
  const notify = (body: object) => t.http().post('/market/notification').set('Content-Type', 'application/json').send(JSON.stringify(body));
  const orderCreated = (orderId: string, at: Date) =>
    notify({
      notificationType: 'ORDER_CREATED',
      campaignId: Number(campaign),
      orderId: Number(orderId),
      items: [{ offerId: 'SKU-1', count: 1 }],
      createdAt: at.toISOString(),
    });
  const statusUpdated = (orderId: string, status: string, substatus: string, at: Date) =>
    notify({
      notificationType: 'ORDER_STATUS_UPDATED',
      campaignId: Number(campaign),
      orderId: Number(orderId),
      status,
      substatus,
      updatedAt: at.toISOString(),
    });
  const ticketStatus = (ticketId: string, omsOrderNumber: string, status: string, unixSeconds: number) =>
    t
      .http()
      .post('/imshop/tickets/status')
      .set('Authorization', `Bearer ${IMSHOP_KEY}`)
      .send({ ticketId, orderId: omsOrderNumber, storeId: '1456', staffId: '7', status, comment: null, metadata: { timestamp: String(unixSeconds) } });
  const oms = (body: object) => t.http().post('/orders/status').set('X-Api-Key', ADMIN_KEY).send(body);
  const marketOrder = async (orderId: string) => (await t.db.query('SELECT * FROM orders WHERE market_order_id = $1', [orderId]))[0] as Record<string, any>;
  const omsOrder = async (number: string) => (await t.db.query('SELECT * FROM orders WHERE oms_order_number = $1', [number]))[0] as Record<string, any>;
  const historyOf = async (id: string) => (await t.db.query('SELECT * FROM order_history WHERE order_id = $1 ORDER BY id', [id])) as Record<string, any>[];
  /** Runs `work` and returns the interval of our clock it ran in. */
  const timed = async <T>(work: () => Promise<T>) => {
    const from = Date.now();
    const result = await work();
    return { result, from, to: Date.now() };
  };
  const expectWithin = (value: Date | string, range: { from: number; to: number }) => {
    const ms = new Date(value).getTime();
    expect(ms).toBeGreaterThanOrEqual(range.from - 5);
    expect(ms).toBeLessThanOrEqual(range.to + 5);
  };

  beforeAll(async () => {
    market = await startFakeMarketApi(MARKET_KEY);
    market.respond((req) =>
      req.operationId === 'searchBusinessOrders' || req.operationId === 'getBusinessOrders' ? { status: 200, body: { orders: pulled, paging: {} } } : undefined,
    );
    t = await startTestApp({ MARKET_ALLOWED_CIDRS: '*', IMSHOP_API_KEY: IMSHOP_KEY, MARKET_API_URL: market.url, MARKET_API_KEY: MARKET_KEY });
    // Reconciliation needs the campaign's business; no automation rule is switched on.
    expect((await admin().put(`/admin/market/campaigns/${campaign}/automation`, { businessId: BUSINESS })).status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await market?.close();
  });

  it('the default skew is 60 s', () => {
    expect(t.config.eventTimeMaxSkewMs).toBe(60_000);
  });

  it('Market: a status dated ten years ahead counts at its receipt, and the next real notification still moves the order', async () => {
    const orderId = newOrderId();
    expect((await orderCreated(orderId, new Date(Date.now() - 60_000))).status).toBe(200);
    const claimed = new Date(Date.now() + TEN_YEARS_MS);
    const sent = await timed(() => statusUpdated(orderId, 'PROCESSING', 'STARTED', claimed));
    expect(sent.result.status).toBe(200);

    const order = await marketOrder(orderId);
    expect(order.status).toBe('PROCESSING');
    expectWithin(order.status_event_at, sent);
    const [, applied] = await historyOf(order.id);
    expect(applied).toMatchObject({ outcome: 'applied', to_status: 'PROCESSING' });
    expectWithin(applied.event_at, sent);
    expect(applied.note).toContain(
      `event time ${claimed.toISOString()} is 3653 days ahead of its receipt (more than the 60 s allowed): counted at the receive time`,
    );
    // The inbox keeps what Market sent, and the time it counts at.
    const [event] = await t.db.query(`SELECT * FROM market_events WHERE order_id = $1 AND notification_type = 'ORDER_STATUS_UPDATED'`, [orderId]);
    expect(event.payload.updatedAt).toBe(claimed.toISOString());
    expectWithin(event.event_at, sent);

    // Without the bound this one was `stale`, and so was every notification for ten years.
    expect((await statusUpdated(orderId, 'PROCESSING', 'READY_TO_SHIP', new Date())).status).toBe(200);
    const after = await marketOrder(orderId);
    expect(after.status).toBe('READY_TO_SHIP');
    expect((await historyOf(order.id)).at(-1)).toMatchObject({ outcome: 'applied', to_status: 'READY_TO_SHIP', note: null });
  });

  it("Market: within the skew Market's own time stands, unchanged and without a note", async () => {
    const orderId = newOrderId();
    await orderCreated(orderId, new Date(Date.now() - 60_000));
    const claimed = new Date(Date.now() + 30_000);
    expect((await statusUpdated(orderId, 'PROCESSING', 'STARTED', claimed)).status).toBe(200);
    const order = await marketOrder(orderId);
    expect(new Date(order.status_event_at).toISOString()).toBe(claimed.toISOString());
    expect((await historyOf(order.id)).at(-1)).toMatchObject({ outcome: 'applied', note: null });
    // An event of ours (no time of its own) arriving now is not older than it: an admin's change applies.
    const res = await admin().post(`/admin/orders/${order.id}/status`, { status: 'READY_TO_SHIP', reason: 'assembled' });
    expect(res.status).toBeLessThan(300);
    expect((await marketOrder(orderId)).status).toBe('READY_TO_SHIP');
    expect(new Date((await marketOrder(orderId)).status_event_at).toISOString()).toBe(claimed.toISOString());
  });

  it('IMSHOP ticket: a timestamp ten years ahead counts at its receipt; a later real status moves the order and the ticket', async () => {
    const number = `SKEW-T-${newOrderId()}`;
    expect((await oms({ id: number, code: 'processing' })).status).toBe(200);
    const claimed = Math.floor((Date.now() + TEN_YEARS_MS) / 1000);
    const sent = await timed(() => ticketStatus(`rsp-skew-${number}`, number, 'done', claimed));
    expect(sent.result.status).toBe(200);
    const order = await omsOrder(number);
    expect(order.status).toBe('READY_TO_SHIP');
    expectWithin(order.status_event_at, sent);
    const applied = (await historyOf(order.id)).at(-1)!;
    expect(applied).toMatchObject({ source: 'imshop_ticket', outcome: 'applied', to_status: 'READY_TO_SHIP' });
    expect(applied.note).toContain(`event time ${new Date(claimed * 1000).toISOString()} is 3653 days ahead of its receipt`);
    const [ticket] = await t.db.query('SELECT * FROM imshop_tickets WHERE imshop_ticket_id = $1', [`rsp-skew-${number}`]);
    expect(ticket.status).toBe('done');
    expectWithin(ticket.status_at, sent);
    const [event] = await t.db.query('SELECT * FROM imshop_ticket_events WHERE ticket_id = $1', [ticket.id]);
    expectWithin(event.event_at, sent);
    expect(event.payload.metadata.timestamp).toBe(String(claimed));

    // IMSHOP's timestamps are whole seconds: the real one is the next second, after the receipt above.
    const real = Math.ceil(Date.now() / 1000) + 1;
    expect((await ticketStatus(`rsp-skew-ship-${number}`, number, 'shipped', real)).status).toBe(200);
    expect((await omsOrder(number)).status).toBe('SHIPPED');
  });

  it('OMS: a status reported after a ticket dated within the skew ahead is applied, not stale', async () => {
    const number = `SKEW-O-${newOrderId()}`;
    expect((await oms({ id: number, code: 'processing' })).status).toBe(200);
    const ahead = Math.floor(Date.now() / 1000) + 40;
    expect((await ticketStatus(`rsp-ahead-${number}`, number, 'done', ahead)).status).toBe(200);
    expect(new Date((await omsOrder(number)).status_event_at).getTime()).toBe(ahead * 1000);
    // The OMS's request carries no time: it happened as it arrived, after the ticket, whatever IMSHOP's clock said.
    const res = await oms({ id: number, code: 'dispatched', message: 'Передан в доставку' });
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('applied');
    expect((await omsOrder(number)).status).toBe('SHIPPED');
  });

  it('reconciliation: a pulled update time ten years ahead counts at the pull, pulling it again is a repeat, a later notification moves the order', async () => {
    const orderId = newOrderId();
    await orderCreated(orderId, new Date(Date.now() - 60_000));
    const claimed = new Date(Date.now() + TEN_YEARS_MS);
    const moscow = `${new Date(Math.floor(claimed.getTime() / 1000) * 1000 + 3 * 3_600_000).toISOString().slice(0, 19)}+03:00`;
    pulled = [
      {
        orderId: Number(orderId),
        campaignId: Number(campaign),
        programType: 'DBS',
        status: 'PROCESSING',
        substatus: 'STARTED',
        creationDate: '2026-11-24T10:00:00+03:00',
        updateDate: moscow,
        items: [],
      },
    ];
    const window = { campaignId: campaign, since: new Date(Date.now() - 3_600_000).toISOString() };
    const first = await timed(() => admin().post('/admin/market/reconcile', window));
    expect(first.result.status).toBe(200);
    expect(first.result.body).toMatchObject({ seen: 1, changed: 1 });
    const order = await marketOrder(orderId);
    expect(order.status).toBe('PROCESSING');
    expectWithin(order.status_event_at, first);
    const polled = (await historyOf(order.id)).at(-1)!;
    expect(polled).toMatchObject({ source: 'market_poll', outcome: 'applied' });
    expect(polled.note).toMatch(/^pulled from Market \(reconciliation\); event time \S+ is 365\d days ahead of its receipt/);

    const again = await admin().post('/admin/market/reconcile', window);
    expect(again.body).toMatchObject({ seen: 1, changed: 0, outcomes: { duplicate: 1 } });

    expect((await statusUpdated(orderId, 'PROCESSING', 'READY_TO_SHIP', new Date())).status).toBe(200);
    expect((await marketOrder(orderId)).status).toBe('READY_TO_SHIP');
    pulled = [];
  });

  it('replay: an event stored with a time far ahead (before the bound existed) counts at its receipt', async () => {
    const orderId = newOrderId();
    await orderCreated(orderId, new Date(Date.now() - 120_000));
    const order = await marketOrder(orderId);
    const claimed = new Date(Date.now() + TEN_YEARS_MS).toISOString();
    const receivedAt = new Date(Date.now() - 60_000);
    const [{ id }] = await t.db.query(
      `INSERT INTO market_events (dedupe_key, notification_type, known, outcome, campaign_id, order_id, event_at, received_at, payload)
       VALUES ($1, 'ORDER_STATUS_UPDATED', true, 'applied', $2, $3, $4, $5, $6) RETURNING id`,
      [
        `test-old-future-event:${orderId}`,
        campaign,
        orderId,
        claimed,
        receivedAt,
        JSON.stringify({
          notificationType: 'ORDER_STATUS_UPDATED',
          campaignId: campaign,
          orderId,
          status: 'PROCESSING',
          substatus: 'STARTED',
          updatedAt: claimed,
        }),
      ],
    );
    const res = await admin().post('/admin/events/replay', { source: 'market', ids: [id] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ matched: 1, applied: 1 });
    const replayed = (await historyOf(order.id)).at(-1)!;
    expect(replayed.dedupe_key).toMatch(/^replay:/);
    expect(new Date(replayed.event_at).toISOString()).toBe(receivedAt.toISOString());
    expect(replayed.note).toContain(`event time ${claimed} is`);
    expect((await statusUpdated(orderId, 'PROCESSING', 'READY_TO_SHIP', new Date())).status).toBe(200);
    expect((await marketOrder(orderId)).status).toBe('READY_TO_SHIP');
  });

  it("migration: an order frozen by a time far ahead before the bound existed counts at that status's receipt", async () => {
    const orderId = newOrderId();
    const claimed = new Date(Date.now() + TEN_YEARS_MS);
    const receivedAt = new Date(Date.now() - 3_600_000);
    const [{ id }] = await t.db.query(
      `INSERT INTO orders (market_campaign_id, market_order_id, status, status_source, status_event_at, version) VALUES ($1, $2, 'PROCESSING', 'market', $3, 1) RETURNING id`,
      [campaign, orderId, claimed],
    );
    await t.db.query(
      `INSERT INTO order_history (order_id, source, outcome, from_status, to_status, event_at, received_at) VALUES ($1, 'market', 'applied', 'NEW', 'PROCESSING', $2, $3)`,
      [id, claimed, receivedAt],
    );
    expect((await statusUpdated(orderId, 'PROCESSING', 'READY_TO_SHIP', new Date())).status).toBe(200);
    expect((await historyOf(id)).at(-1)!.outcome).toBe('stale');

    const runner = t.db.createQueryRunner();
    try {
      await new BoundFutureEventTimes1795641000000().up(runner);
    } finally {
      await runner.release();
    }
    const fixed = await marketOrder(orderId);
    expect(new Date(fixed.status_event_at).toISOString()).toBe(receivedAt.toISOString());
    const note = (await historyOf(id)).at(-1)!;
    expect(note).toMatchObject({ source: 'system', outcome: 'info', from_status: 'PROCESSING' });
    expect(note.note).toBe(
      `status time ${claimed.toISOString()} was ahead of its receipt (a peer's clock): counted at the receive time ${receivedAt.toISOString()}`,
    );

    expect((await statusUpdated(orderId, 'PROCESSING', 'READY_TO_SHIP', new Date())).status).toBe(200);
    expect((await marketOrder(orderId)).status).toBe('READY_TO_SHIP');
  });
});
