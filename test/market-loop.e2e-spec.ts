import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { eventually } from './support/fake-http-peer';
import { startFakeImshop, type FakeImshop } from './support/fake-imshop';
import { marketError, partnerApi, startFakeMarketApi, type FakeMarketApi, type MarketRequest } from './support/fake-market-api';
import { BUSINESS, businessOrder, IMSHOP_KEY, MARKET_KEY, marketLoopEnv, marketTimeline, STORE } from './support/market-loop-fixtures';
import { DeliveryProcessor } from '../src/outbox/delivery.processor';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

describe('Market partner API loop (fake Market and fake IMSHOP over real HTTP)', () => {
  let t: TestApp;
  let market: FakeMarketApi;
  let imshop: FakeImshop;
  const { at, newOrderId, unixSeconds } = marketTimeline(880_000_000);

  const admin = () => ({
    get: (path: string) => t.http().get(path).set('X-Api-Key', ADMIN_KEY),
    put: (path: string, body: object) => t.http().put(path).set('X-Api-Key', ADMIN_KEY).send(body),
    post: (path: string, body: object) => t.http().post(path).set('X-Api-Key', ADMIN_KEY).send(body),
  });
  const notify = (body: object | string) =>
    t
      .http()
      .post('/market/notification')
      .set('Content-Type', 'application/json')
      .send(typeof body === 'string' ? body : JSON.stringify(body));
  const orderCreated = (campaignId: string, orderId: string) =>
    notify(
      `{"notificationType":"ORDER_CREATED","campaignId":${campaignId},"orderId":${orderId},"items":[{"offerId":"SKU-RED-42","count":2}],"createdAt":"${at()}"}`,
    );
  const statusUpdated = (campaignId: string, orderId: string, status: string, substatus: string) =>
    notify(
      `{"notificationType":"ORDER_STATUS_UPDATED","campaignId":${campaignId},"orderId":${orderId},"status":"${status}","substatus":"${substatus}","updatedAt":"${at()}"}`,
    );
  const cancellationRequested = (campaignId: string, orderId: string) =>
    notify(`{"notificationType":"ORDER_CANCELLATION_REQUEST","campaignId":${campaignId},"orderId":${orderId},"requestedAt":"${at()}"}`);
  const ticketStatus = (ticketId: string, omsOrderNumber: string, status: string) =>
    t
      .http()
      .post('/imshop/tickets/status')
      .set('Authorization', `Bearer ${IMSHOP_KEY}`)
      .send({ ticketId, orderId: omsOrderNumber, storeId: STORE, staffId: '12393', status, comment: null, metadata: { timestamp: unixSeconds() } });
  const orderOf = async (marketOrderId: string) =>
    (await t.db.query('SELECT * FROM orders WHERE market_order_id = $1', [marketOrderId]))[0] as Record<string, any>;
  const deliveriesOf = async (marketOrderId: string, target?: string) =>
    (await t.db.query(
      `SELECT d.* FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE o.market_order_id = $1 ${target ? 'AND d.target = $2' : ''} ORDER BY d.id`,
      target ? [marketOrderId, target] : [marketOrderId],
    )) as Record<string, any>[];
  const settled = (marketOrderId: string, target: string, count = 1) =>
    eventually(async () => {
      const rows = await deliveriesOf(marketOrderId, target);
      return rows.length >= count && rows.every((d) => ['sent', 'dead', 'superseded'].includes(d.state)) ? rows : undefined;
    });
  const expectValid = (req: MarketRequest) => expect(req.problems).toEqual([]);
  const configure = async (campaignId: string, body: object) => {
    const res = await admin().put(`/admin/market/campaigns/${campaignId}/automation`, body);
    expect(res.status).toBe(200);
    return res.body;
  };
  /** A Market order that ORDER_CREATED and PROCESSING/STARTED brought to PROCESSING. */
  const processingOrder = async (campaignId: string) => {
    const orderId = newOrderId();
    expect((await orderCreated(campaignId, orderId)).status).toBe(200);
    expect((await statusUpdated(campaignId, orderId, 'PROCESSING', 'STARTED')).status).toBe(200);
    return orderId;
  };

  beforeAll(async () => {
    market = await startFakeMarketApi(MARKET_KEY);
    imshop = await startFakeImshop();
    t = await startTestApp(
      marketLoopEnv(market, imshop, {
        DELIVERY_BACKOFF_MS: '40',
        DELIVERY_BACKOFF_MAX_MS: '300',
        DELIVERY_TIMEOUT_MS: '2000',
        DELIVERY_MAX_ATTEMPTS: '4',
        OUTBOX_SWEEP_MS: '200',
      }),
    );
  });
  afterAll(async () => {
    await t?.close();
    await market?.close();
    await imshop?.close();
  });
  beforeEach(() => {
    market.respond(() => undefined);
    imshop.respond(() => undefined);
  });

  it('the fixture is the whole partner API description, and the fake answers are valid for it', async () => {
    const spec = await partnerApi();
    expect(spec.document.servers![0].url).toBe('https://api.partner.market.yandex.ru');
    expect(spec.document.components!.securitySchemes!.ApiKey).toMatchObject({ type: 'apiKey', name: 'Api-Key', in: 'header' });
    expect(Object.keys(spec.document.paths).length).toBeGreaterThan(100);
    expect(spec.validateSchema('GetBusinessOrdersResponse', { orders: [businessOrder('1', '2')] })).toEqual([]);
    expect(spec.validateSchema('ApiLimitErrorResponse', marketError('LIMIT_EXCEEDED', 'Hit rate limit'))).toEqual([]);
    expect(spec.validateSchema('EmptyApiResponse', { status: 'OK' })).toEqual([]);
    // The validator does catch what Market would refuse, and what it would not expect from us.
    expect(spec.validateSchema('UpdateOrderStatusRequest', { order: { status: 'READY' } })).not.toEqual([]);
    expect(spec.validateSchema('AcceptOrderCancellationRequest', { accepted: false, reason: 'TOO_LATE' })).not.toEqual([]);
    expect(
      spec.validateSchema('UpdateOrderStatusRequest', { order: { status: 'PROCESSING', substatus: 'READY_TO_SHIP', note: 'x' } }, { closed: true }),
    ).toEqual(['$.order.note: not in the schema']);
  });

  describe('admin: automation rules per campaign', () => {
    it('shows the defaults for an unknown campaign: only the status push', async () => {
      const res = await admin().get('/admin/market/campaigns/5550001/automation');
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.objectContaining({
          campaignId: '5550001',
          configured: false,
          businessId: null,
          storeId: null,
          rules: { fetchDetails: false, prepareTicket: false, pushStatuses: true, answerCancellations: false },
        }),
      );
      expect((await t.http().get('/admin/market/campaigns/5550001/automation')).status).toBe(401);
    });

    it('validates: rules need their business and store, ids are int64, unknown fields are refused', async () => {
      const bad = async (campaign: string, body: object, field: string) => {
        const res = await admin().put(`/admin/market/campaigns/${campaign}/automation`, body);
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body.message)).toContain(field);
      };
      await bad('5550002', { businessId: BUSINESS, rules: { prepareTicket: true } }, 'storeId');
      await bad('5550002', { storeId: STORE, rules: { fetchDetails: true } }, 'businessId');
      await bad('5550002', { businessId: '12ab' }, 'businessId');
      await bad('not-a-number', { rules: { pushStatuses: false } }, 'campaignId');
      await bad('5550002', { rules: { pushStatuses: 'yes' } }, 'pushStatuses');
      await bad('5550002', { surprise: true }, 'surprise');
      expect((await admin().get('/admin/market/campaigns/5550002/automation')).body.configured).toBe(false);
    });

    it('saves, lists and switches single rules, keeping the rest', async () => {
      const saved = await configure('5550003', {
        businessId: BUSINESS,
        storeId: STORE,
        rules: { fetchDetails: true, prepareTicket: true, answerCancellations: true },
      });
      expect(saved).toEqual(expect.objectContaining({ configured: true, businessId: BUSINESS, storeId: STORE, orderNumberPrefix: 'YM-', version: 1 }));
      expect(saved.rules).toEqual({ fetchDetails: true, prepareTicket: true, pushStatuses: true, answerCancellations: true });
      const switched = await configure('5550003', { rules: { prepareTicket: false } });
      expect(switched.rules).toEqual({ fetchDetails: true, prepareTicket: false, pushStatuses: true, answerCancellations: true });
      expect(switched.storeId).toBe(STORE);
      const list = await admin().get('/admin/market/campaigns');
      expect(list.body.map((c: any) => c.campaignId)).toContain('5550003');
    });
  });

  describe('outbound mapping rows of target market', () => {
    it('has the defaults, with the Market substatus in externalSubstatus', async () => {
      const rows = (await admin().get('/admin/status-mappings?target=market')).body;
      const pairs = Object.fromEntries(rows.map((r: any) => [r.internalStatus, [r.code, r.externalSubstatus]]));
      expect(pairs).toEqual({
        READY_TO_SHIP: ['PROCESSING', 'READY_TO_SHIP'],
        ASSEMBLY_FAILED: ['CANCELLED', 'SHOP_FAILED'],
        SHIPPED: ['DELIVERY', null],
        READY_FOR_PICKUP: ['PICKUP', null],
        DELIVERED: ['DELIVERED', null],
      });
    });

    it('accepts only statuses a shop may set on Market', async () => {
      const refused = async (body: object, text: string) => {
        const res = await admin().post('/admin/status-mappings', body);
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body.message)).toContain(text);
      };
      await refused({ target: 'market', internalStatus: 'NOT_REDEEMED', code: 'UNPAID' }, 'code must be a status a shop may set');
      await refused({ target: 'market', internalStatus: 'NOT_REDEEMED', code: 'PROCESSING' }, 'externalSubstatus is required');
      await refused({ target: 'market', internalStatus: 'NOT_REDEEMED', code: 'PROCESSING', externalSubstatus: 'STARTED' }, 'READY_TO_SHIP');
      await refused({ target: 'market', internalStatus: 'NOT_REDEEMED', code: 'DELIVERED', externalSubstatus: 'SHOP_FAILED' }, 'must be omitted');
      await refused(
        { target: 'imshop', internalStatus: 'NOT_REDEEMED', code: 'closed', externalSubstatus: 'X' },
        'only allowed on outbound rows of target market',
      );
      const ok = await admin().post('/admin/status-mappings', {
        target: 'market',
        internalStatus: 'NOT_REDEEMED',
        code: 'CANCELLED',
        externalSubstatus: 'USER_UNREACHABLE',
      });
      expect(ok.status).toBe(201);
      expect(ok.body.externalSubstatus).toBe('USER_UNREACHABLE');
      expect((await t.http().delete(`/admin/status-mappings/${ok.body.id}`).set('X-Api-Key', ADMIN_KEY)).status).toBeLessThan(300);
    });
  });

  describe('status push (target market)', () => {
    const CAMPAIGN = '21000001'; // no automation row: the status push is on by default

    it('sends our change with the Api-Key header and a body valid for updateOrderStatus', async () => {
      const orderId = newOrderId();
      await orderCreated(CAMPAIGN, orderId);
      const order = await orderOf(orderId);
      const res = await admin().post(`/admin/orders/${order.id}/status`, { status: 'READY_TO_SHIP', reason: 'assembled by hand' });
      expect(res.status).toBeLessThan(300);
      const [delivery] = await settled(orderId, 'market');
      expect(delivery.state).toBe('sent');
      const [call] = market.calls('updateOrderStatus', orderId);
      expectValid(call);
      expect(call.method).toBe('PUT');
      expect(call.path).toBe(`/v2/campaigns/${CAMPAIGN}/orders/${orderId}/status`);
      expect(call.headers['api-key']).toBe(MARKET_KEY);
      expect(call.body).toEqual({ order: { status: 'PROCESSING', substatus: 'READY_TO_SHIP' } });
    });

    it('never echoes a change that came from Market', async () => {
      const orderId = newOrderId();
      await orderCreated(CAMPAIGN, orderId);
      await statusUpdated(CAMPAIGN, orderId, 'PROCESSING', 'STARTED');
      await statusUpdated(CAMPAIGN, orderId, 'PROCESSING', 'READY_TO_SHIP');
      await statusUpdated(CAMPAIGN, orderId, 'DELIVERY', 'COURIER_FOUND');
      expect((await orderOf(orderId)).status).toBe('SHIPPED');
      await new Promise((r) => setTimeout(r, 300));
      expect(await deliveriesOf(orderId)).toEqual([]);
      expect(market.calls('updateOrderStatus', orderId)).toEqual([]);
    });

    it('pushes a status without substatus (DELIVERY) and nothing for a status with no market row', async () => {
      const orderId = newOrderId();
      await orderCreated(CAMPAIGN, orderId);
      await statusUpdated(CAMPAIGN, orderId, 'PROCESSING', 'READY_TO_SHIP');
      const order = await orderOf(orderId);
      await admin().post(`/admin/orders/${order.id}/status`, { status: 'PARTIALLY_SHIPPED', reason: 'one box left' });
      await admin().post(`/admin/orders/${order.id}/status`, { status: 'SHIPPED', reason: 'second box left' });
      await settled(orderId, 'market');
      const calls = market.calls('updateOrderStatus', orderId);
      expect(calls).toHaveLength(1);
      expectValid(calls[0]);
      expect(calls[0].body).toEqual({ order: { status: 'DELIVERY' } });
    });

    /**
     * Market's DBS status model as the fake keeps it per order: a step it requires and has not had is refused
     * with 400, as Market does; the first `limited` READY_TO_SHIP calls get a 420 (its rate limit).
     */
    const marketModel = (orderId: string, limited = 0) => {
      const state = { status: 'PROCESSING', substatus: 'STARTED' as string | undefined };
      const next: Record<string, string> = {
        'PROCESSING/STARTED': 'PROCESSING/READY_TO_SHIP',
        'PROCESSING/READY_TO_SHIP': 'DELIVERY/',
        'DELIVERY/': 'DELIVERED/',
      };
      market.respond((req) => {
        if (req.operationId !== 'updateOrderStatus' || req.params.orderId !== orderId) return undefined;
        const asked = req.body.order as { status: string; substatus?: string };
        const step = `${asked.status}/${asked.substatus ?? ''}`;
        if (step === 'PROCESSING/READY_TO_SHIP' && limited-- > 0)
          return { status: 420, headers: { 'Retry-After': '1' }, body: marketError('LIMIT_EXCEEDED', 'Hit rate limit') };
        if (next[`${state.status}/${state.substatus ?? ''}`] !== step) {
          return { status: 400, body: marketError('STATUS_NOT_ALLOWED', `status ${step} is not allowed after ${state.status}/${state.substatus ?? ''}`) };
        }
        Object.assign(state, { status: asked.status, substatus: asked.substatus });
        return undefined;
      });
      return state;
    };
    const stepsSent = (orderId: string) => market.calls('updateOrderStatus', orderId).map((c) => `${c.body.order.status}/${c.body.order.substatus ?? ''}`);

    it("sends Market its steps in order: a later step waits while an earlier one is held back by Market's rate limit (420)", async () => {
      const orderId = await processingOrder(CAMPAIGN);
      const model = marketModel(orderId, 2);
      const order = await orderOf(orderId);
      await admin().post(`/admin/orders/${order.id}/status`, { status: 'READY_TO_SHIP', reason: 'assembled' });
      await eventually(async () => stepsSent(orderId).length >= 1);
      await admin().post(`/admin/orders/${order.id}/status`, { status: 'SHIPPED', reason: 'the courier took it' });
      // While READY_TO_SHIP waits out the 420s, DELIVERY waits for it: it is never sent first, nor superseded.
      const rows = await eventually(async () => {
        const list = await deliveriesOf(orderId, 'market');
        return list.length === 2 && list.every((d) => d.state === 'sent') ? list : undefined;
      }, 15_000);
      expect(rows.map((d) => [d.payload.status, d.payload.substatus])).toEqual([
        ['PROCESSING', 'READY_TO_SHIP'],
        ['DELIVERY', null],
      ]);
      expect(stepsSent(orderId)).toEqual(['PROCESSING/READY_TO_SHIP', 'PROCESSING/READY_TO_SHIP', 'PROCESSING/READY_TO_SHIP', 'DELIVERY/']);
      expect(model).toEqual({ status: 'DELIVERY', substatus: undefined });
    });

    it("walks Market's path: an order shipped straight from assembly sends READY_TO_SHIP before DELIVERY", async () => {
      const orderId = await processingOrder(CAMPAIGN);
      const model = marketModel(orderId);
      const order = await orderOf(orderId);
      await admin().post(`/admin/orders/${order.id}/status`, { status: 'SHIPPED', reason: 'shipped without saying it was ready' });
      const rows = await settled(orderId, 'market', 2);
      expect(rows.map((d) => [d.payload.status, d.payload.substatus, d.state, d.change_seq])).toEqual([
        ['PROCESSING', 'READY_TO_SHIP', 'sent', rows[0].change_seq],
        ['DELIVERY', null, 'sent', rows[0].change_seq],
      ]);
      expect(stepsSent(orderId)).toEqual(['PROCESSING/READY_TO_SHIP', 'DELIVERY/']);
      expect(model.status).toBe('DELIVERY');
    });

    it('never lets a later step that died erase an earlier one Market still needs', async () => {
      const orderId = await processingOrder(CAMPAIGN);
      const order = await orderOf(orderId);
      // Market refuses DELIVERY (its courier is not assigned yet, say): READY_TO_SHIP must still arrive.
      market.respond((req) =>
        req.params.orderId === orderId && req.body?.order?.status === 'DELIVERY'
          ? { status: 400, body: marketError('STATUS_NOT_ALLOWED', 'no courier yet') }
          : undefined,
      );
      const worker = t.app.get(DeliveryProcessor).worker;
      await worker.pause();
      try {
        // Both steps wait before either is attempted: newest-wins would supersede READY_TO_SHIP here.
        await admin().post(`/admin/orders/${order.id}/status`, { status: 'READY_TO_SHIP', reason: 'assembled' });
        await admin().post(`/admin/orders/${order.id}/status`, { status: 'SHIPPED', reason: 'the courier took it' });
      } finally {
        await worker.resume();
      }
      const rows = await settled(orderId, 'market', 2);
      expect(rows.map((d) => [d.payload.status, d.state])).toEqual([
        ['PROCESSING', 'sent'],
        ['DELIVERY', 'dead'],
      ]);
      expect(stepsSent(orderId)).toEqual(['PROCESSING/READY_TO_SHIP', 'DELIVERY/']);
    });

    it('supersedes an earlier step only once Market accepted a later one: retrying it then sends nothing', async () => {
      const orderId = await processingOrder(CAMPAIGN);
      const order = await orderOf(orderId);
      let refuseReady = true;
      market.respond((req) =>
        req.params.orderId === orderId && req.body?.order?.substatus === 'READY_TO_SHIP' && refuseReady
          ? { status: 400, body: marketError('STATUS_NOT_ALLOWED', 'not now') }
          : undefined,
      );
      await admin().post(`/admin/orders/${order.id}/status`, { status: 'READY_TO_SHIP', reason: 'assembled' });
      await eventually(async () => (await deliveriesOf(orderId, 'market'))[0]?.state === 'dead');
      // Given up on (dead): the next step goes.
      await admin().post(`/admin/orders/${order.id}/status`, { status: 'SHIPPED', reason: 'the courier took it' });
      const rows = await settled(orderId, 'market', 2);
      expect(rows.map((d) => d.state)).toEqual(['dead', 'sent']);
      refuseReady = false;
      expect((await admin().post(`/admin/deliveries/${rows[0].id}/retry`, {})).status).toBeLessThan(300);
      const [retried] = await eventually(async () => {
        const list = await deliveriesOf(orderId, 'market');
        return list[0].state === 'superseded' ? list : undefined;
      });
      expect(retried.last_error).toContain('later step');
      expect(stepsSent(orderId)).toEqual(['PROCESSING/READY_TO_SHIP', 'DELIVERY/']);
    });

    it.each([
      [420, { 'X-RateLimit-Resource-Limit': '10000', 'X-RateLimit-Resource-Remaining': '0' }, 'until'],
      [429, { 'Retry-After': '1' }, 'retry-after'],
    ])('retries a %i rate-limit answer after the time Market names', async (status, headers, kind) => {
      const orderId = newOrderId();
      await orderCreated(CAMPAIGN, orderId);
      const until = new Date(Date.now() + 1500);
      let first = true;
      market.respond((req) => {
        if (req.params.orderId !== orderId || !first) return undefined;
        first = false;
        const extra: Record<string, string> = kind === 'until' ? { 'X-RateLimit-Resource-Until': until.toUTCString() } : {};
        return { status, body: marketError('LIMIT_EXCEEDED', 'Hit rate limit of 10000 requests per hour'), headers: { ...headers, ...extra } };
      });
      const order = await orderOf(orderId);
      await admin().post(`/admin/orders/${order.id}/status`, { status: 'READY_TO_SHIP', reason: 'assembled' });
      const [delivery] = await eventually(
        async () => ((await deliveriesOf(orderId, 'market'))[0]?.state === 'sent' ? deliveriesOf(orderId, 'market') : undefined),
        10_000,
      );
      const calls = market.calls('updateOrderStatus', orderId);
      expect(calls).toHaveLength(2);
      calls.forEach(expectValid);
      // The 40 ms backoff would have retried at once: the retry waited for Market's time instead.
      expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(900);
      const detail = await admin().get(`/admin/deliveries/${delivery.id}`);
      expect(detail.body.attemptLog.map((a: any) => [a.statusCode, a.outcome])).toEqual([
        [status, 'retry'],
        [200, 'sent'],
      ]);
    });

    it("retries 5xx and no answer, gives up at once on 400 with Market's reason, and an admin retry sends it", async () => {
      const flaky = newOrderId();
      const refused = newOrderId();
      await orderCreated(CAMPAIGN, flaky);
      await orderCreated(CAMPAIGN, refused);
      let flakyCalls = 0;
      let refuse = true;
      market.respond((req) => {
        if (req.params.orderId === flaky && flakyCalls++ < 2)
          return flakyCalls === 1 ? { status: 503, body: marketError('INTERNAL_ERROR', 'try later') } : { status: 500, body: 'not json' };
        if (req.params.orderId === refused && refuse)
          return { status: 400, body: marketError('STATUS_NOT_ALLOWED', 'Status change from DELIVERED to PROCESSING is not allowed') };
        return undefined;
      });
      for (const id of [flaky, refused]) {
        const order = await orderOf(id);
        await admin().post(`/admin/orders/${order.id}/status`, { status: 'READY_TO_SHIP', reason: 'assembled' });
      }
      const [sent] = await settled(flaky, 'market');
      expect(sent.state).toBe('sent');
      expect(sent.attempts).toBe(3);
      const [dead] = await settled(refused, 'market');
      expect(dead.state).toBe('dead');
      expect(dead.last_error).toContain('STATUS_NOT_ALLOWED: Status change from DELIVERED to PROCESSING is not allowed');
      expect(market.calls('updateOrderStatus', refused)).toHaveLength(1);
      refuse = false;
      expect((await admin().post(`/admin/deliveries/${dead.id}/retry`, {})).status).toBeLessThan(300);
      await eventually(async () => (await deliveriesOf(refused, 'market'))[0].state === 'sent');
      expect(market.calls('updateOrderStatus', refused)).toHaveLength(2);
    });

    it('keeps at most 4 requests per campaign in flight', async () => {
      const campaign = '21000002';
      const ids = Array.from({ length: 8 }, () => newOrderId());
      for (const id of ids) await orderCreated(campaign, id);
      market.respond((req) => (req.params.campaignId === campaign ? { status: 200, body: {}, delayMs: 250 } : undefined));
      market.resetMaxInFlight();
      await Promise.all(
        ids.map(async (id) => {
          const order = await orderOf(id);
          await admin().post(`/admin/orders/${order.id}/status`, { status: 'READY_TO_SHIP', reason: 'assembled' });
        }),
      );
      await eventually(async () => {
        const rows = await Promise.all(ids.map((id) => deliveriesOf(id, 'market')));
        return rows.every((r) => r[0]?.state === 'sent');
      });
      const calls = market.requests.filter((r) => r.params.campaignId === campaign);
      expect(calls).toHaveLength(8);
      // Overlap by the fake's own clock: never more than 4 of this campaign at once.
      const overlap = Math.max(...calls.map((c) => calls.filter((o) => o.at <= c.at && (o.doneAt ?? Infinity) > c.at).length));
      expect(overlap).toBeLessThanOrEqual(4);
      expect(overlap).toBeGreaterThan(1);
    });
  });

  describe('details after ORDER_CREATED', () => {
    const CAMPAIGN = '21000003';
    beforeAll(async () => {
      await configure(CAMPAIGN, { businessId: BUSINESS, rules: { fetchDetails: true } });
    });

    it('fetches the order with getBusinessOrders and stores buyer-facing details and items with prices', async () => {
      const orderId = newOrderId();
      market.respond((req) => (req.operationId === 'getBusinessOrders' ? { status: 200, body: { orders: [businessOrder(CAMPAIGN, orderId)] } } : undefined));
      await orderCreated(CAMPAIGN, orderId);
      const [delivery] = await settled(orderId, 'market_fetch');
      expect(delivery.state).toBe('sent');
      const [call] = market.calls('getBusinessOrders', orderId);
      expectValid(call);
      expect(call.path).toBe(`/v1/businesses/${BUSINESS}/orders`);
      expect(call.body).toEqual({ orderIds: [Number(orderId)], campaignIds: [Number(CAMPAIGN)] });
      const order = await orderOf(orderId);
      expect(order.items).toEqual([
        expect.objectContaining({ sku: 'SKU-RED-42', name: 'Кроссовки красные, 42', count: 2, price: 4999, total: 9998 }),
        expect.objectContaining({ sku: 'SKU-SOCKS', name: 'Носки', count: 1, price: 490, total: 490 }),
      ]);
      const view = (await admin().get(`/admin/orders/${order.id}`)).body;
      expect(view.marketDetails).toEqual(
        expect.objectContaining({
          businessId: BUSINESS,
          status: 'PROCESSING',
          substatus: 'STARTED',
          paymentType: 'PREPAID',
          paymentMethod: 'YANDEX',
          notes: 'Позвонить за час',
        }),
      );
      expect(view.marketDetails.delivery.courier.address.street).toBe('Волоколамское шоссе');
      expect(view.marketDetails.prices.delivery.payment.value).toBe(350);
      // A Market change, not ours: nothing goes back to Market.
      expect(market.calls('updateOrderStatus', orderId)).toEqual([]);
    });

    it('keeps every digit of an int64 order id above 2^53 on the wire', async () => {
      const big = '9007199254740993123';
      const bigOrder = JSON.stringify({ orders: [{ ...businessOrder(CAMPAIGN, '1'), orderId: 0 }] }).replace('"orderId":0', `"orderId":${big}`);
      market.respond((req) => (req.operationId === 'getBusinessOrders' ? { status: 200, body: bigOrder } : undefined));
      await orderCreated(CAMPAIGN, big);
      const [delivery] = await settled(big, 'market_fetch');
      expect(delivery.state).toBe('sent');
      const [call] = market.calls('getBusinessOrders', big);
      expectValid(call);
      expect(call.raw).toContain(`"orderIds":[${big}]`);
      expect((await orderOf(big)).items[0].sku).toBe('SKU-RED-42');
    });

    it('an order Market does not return is dead with the reason', async () => {
      const orderId = newOrderId();
      await orderCreated(CAMPAIGN, orderId);
      const [delivery] = await settled(orderId, 'market_fetch');
      expect(delivery.state).toBe('dead');
      expect(delivery.last_error).toContain(`no order ${orderId}`);
    });
  });

  describe('automation: Market order assembled in an IMSHOP store', () => {
    const CAMPAIGN = '21000004';
    beforeAll(async () => {
      await configure(CAMPAIGN, {
        businessId: BUSINESS,
        storeId: STORE,
        rules: { fetchDetails: true, prepareTicket: true, pushStatuses: true, answerCancellations: true },
      });
    });
    beforeEach(() => {
      market.respond((req) =>
        req.operationId === 'getBusinessOrders'
          ? { status: 200, body: { orders: (req.body.orderIds as number[]).map((id) => businessOrder(CAMPAIGN, String(id))) } }
          : undefined,
      );
    });
    const ticketFor = (omsOrderNumber: string) => imshop.to('/tickets').filter((r) => r.body?.orderId === omsOrderNumber);

    it('ORDER_CREATED → details → PROCESSING/STARTED → prepare ticket → ticket done → Market gets READY_TO_SHIP', async () => {
      const orderId = newOrderId();
      await orderCreated(CAMPAIGN, orderId);
      await settled(orderId, 'market_fetch');
      await statusUpdated(CAMPAIGN, orderId, 'PROCESSING', 'STARTED');
      const [ticketDelivery] = await settled(orderId, 'imshop_prepare');
      expect(ticketDelivery.state).toBe('sent');

      const [buyerCall] = market.calls('getOrderBuyerInfo', orderId);
      expectValid(buyerCall);
      expect(buyerCall.path).toBe(`/v2/campaigns/${CAMPAIGN}/orders/${orderId}/buyer`);

      const oms = `YM-${orderId}`;
      expect((await orderOf(orderId)).oms_order_number).toBe(oms);
      const [ticketRequest] = ticketFor(oms);
      expect(ticketRequest.headers.authorization).toBe(`Bearer ${IMSHOP_KEY}`);
      expect(ticketRequest.body).toEqual({
        type: 'prepare',
        orderId: oms,
        storeId: STORE,
        buyer: { name: 'Пётр Иванов', phone: '+79990001122' },
        cart: [
          { configurationId: 'SKU-RED-42', quantity: 2, price: 4999, subtotal: 9998 },
          { configurationId: 'SKU-SOCKS', quantity: 1, price: 490, subtotal: 490 },
        ],
        price: 10488,
        deliveryPrice: 350,
        finalPrice: 10838,
        payment: { paid: true, method: 'YANDEX' },
        delivery: {
          type: 'regular',
          provider: 'Своя курьерская служба',
          address: { region: 'Москва', city: 'Москва', postalCode: '125080', street: 'Волоколамское шоссе', house: '2', apt: '15' },
        },
        comment: `Заказ Яндекс Маркета ${orderId}. Комментарий покупателя: Позвонить за час`,
      });
      const ticketId = ticketDelivery.response.ticketId as string;
      expect(ticketId).toMatch(/^rsp-fake-/);
      expect(market.calls('updateOrderStatus', orderId)).toEqual([]);

      expect((await ticketStatus(ticketId, oms, 'done')).status).toBe(200);
      expect((await orderOf(orderId)).status).toBe('READY_TO_SHIP');
      const [push] = await settled(orderId, 'market');
      expect(push.state).toBe('sent');
      const [call] = market.calls('updateOrderStatus', orderId);
      expectValid(call);
      expect(call.body).toEqual({ order: { status: 'PROCESSING', substatus: 'READY_TO_SHIP' } });

      // Market confirms with its own notification: recorded, not echoed; no second ticket either.
      await statusUpdated(CAMPAIGN, orderId, 'PROCESSING', 'READY_TO_SHIP');
      await new Promise((r) => setTimeout(r, 300));
      expect(market.calls('updateOrderStatus', orderId)).toHaveLength(1);
      expect(ticketFor(oms)).toHaveLength(1);
    });

    it('a failed assembly cancels the order on Market as SHOP_FAILED', async () => {
      const orderId = await processingOrder(CAMPAIGN);
      const [ticketDelivery] = await settled(orderId, 'imshop_prepare');
      await ticketStatus(ticketDelivery.response.ticketId, `YM-${orderId}`, 'failed');
      await settled(orderId, 'market');
      const [call] = market.calls('updateOrderStatus', orderId);
      expectValid(call);
      expect(call.body).toEqual({ order: { status: 'CANCELLED', substatus: 'SHOP_FAILED' } });
    });

    it('retries the ticket when IMSHOP is down and when Market limits the buyer call', async () => {
      const orderId = newOrderId();
      let imshopFailures = 0;
      imshop.respond((req) =>
        req.path === '/tickets' && req.body?.orderId === `YM-${orderId}` && imshopFailures++ < 1 ? { status: 503, body: { success: false } } : undefined,
      );
      let buyerLimited = true;
      market.respond((req) => {
        if (req.operationId === 'getOrderBuyerInfo' && req.params.orderId === orderId && buyerLimited) {
          buyerLimited = false;
          return { status: 420, body: marketError('LIMIT_EXCEEDED', 'Hit rate limit of 4 parallel requests for campaignId ' + CAMPAIGN) };
        }
        return req.operationId === 'getBusinessOrders' ? { status: 200, body: { orders: [businessOrder(CAMPAIGN, orderId)] } } : undefined;
      });
      await orderCreated(CAMPAIGN, orderId);
      await statusUpdated(CAMPAIGN, orderId, 'PROCESSING', 'STARTED');
      const [delivery] = await settled(orderId, 'imshop_prepare');
      expect(delivery.state).toBe('sent');
      expect(delivery.attempts).toBe(3);
      expect(ticketFor(`YM-${orderId}`)).toHaveLength(2);
    });

    it('cancellation request before shipping: accepted on Market, ticket withdrawn, order CANCELLED', async () => {
      const orderId = await processingOrder(CAMPAIGN);
      const [ticketDelivery] = await settled(orderId, 'imshop_prepare');
      const ticketId = ticketDelivery.response.ticketId as string;
      expect((await cancellationRequested(CAMPAIGN, orderId)).status).toBe(200);
      const [answer] = await settled(orderId, 'market_cancel');
      expect(answer.state).toBe('sent');
      const [call] = market.calls('acceptOrderCancellation', orderId);
      expectValid(call);
      expect(call.method).toBe('PUT');
      expect(call.path).toBe(`/v2/campaigns/${CAMPAIGN}/orders/${orderId}/cancellation/accept`);
      expect(call.body).toEqual({ accepted: true });
      await eventually(async () => (await orderOf(orderId)).status === 'CANCELLED');
      await settled(orderId, 'imshop_withdraw');
      const cancelTicket = imshop.to('/tickets').find((r) => r.body?.type === 'cancel' && r.body?.ticketId === ticketId);
      expect(cancelTicket?.body).toEqual(expect.objectContaining({ type: 'cancel', orderId: `YM-${orderId}`, storeId: STORE, ticketId }));
      // CANCELLED has no market row, and it came from Market's side anyway: no status push.
      expect(market.calls('updateOrderStatus', orderId)).toEqual([]);
    });

    it.each([
      ['DELIVERY', 'COURIER_RECEIVED', 'SHIPPED', 'ORDER_IN_DELIVERY'],
      ['DELIVERED', 'DELIVERY_SERVICE_DELIVERED', 'DELIVERED', 'ORDER_DELIVERED'],
    ])('cancellation request after %s: refused with the reason, order left as it is', async (status, substatus, internal, reason) => {
      const orderId = await processingOrder(CAMPAIGN);
      await settled(orderId, 'imshop_prepare');
      await statusUpdated(CAMPAIGN, orderId, status, substatus);
      expect((await orderOf(orderId)).status).toBe(internal);
      await cancellationRequested(CAMPAIGN, orderId);
      const [answer] = await settled(orderId, 'market_cancel');
      expect(answer.state).toBe('sent');
      const [call] = market.calls('acceptOrderCancellation', orderId);
      expectValid(call);
      expect(call.body).toEqual({ accepted: false, reason });
      await new Promise((r) => setTimeout(r, 200));
      expect((await orderOf(orderId)).status).toBe(internal);
      expect(await deliveriesOf(orderId, 'imshop_withdraw')).toEqual([]);
    });
  });

  describe('rules switched off', () => {
    const CAMPAIGN = '21000005';
    beforeAll(async () => {
      await configure(CAMPAIGN, {
        businessId: BUSINESS,
        storeId: STORE,
        rules: { fetchDetails: false, prepareTicket: false, pushStatuses: false, answerCancellations: false },
      });
    });

    it('do nothing: no fetch, no ticket, no status push, no cancellation answer', async () => {
      const ticketsBefore = imshop.to('/tickets').length;
      const orderId = await processingOrder(CAMPAIGN);
      const order = await orderOf(orderId);
      await admin().post(`/admin/orders/${order.id}/status`, { status: 'READY_TO_SHIP', reason: 'assembled' });
      await cancellationRequested(CAMPAIGN, orderId);
      await new Promise((r) => setTimeout(r, 400));
      expect(await deliveriesOf(orderId)).toEqual([]);
      expect(market.requests.filter((r) => r.params.campaignId === CAMPAIGN || r.params.orderId === orderId)).toEqual([]);
      expect(imshop.to('/tickets')).toHaveLength(ticketsBefore);
      expect((await orderOf(orderId)).oms_order_number).toBeNull();
    });

    it('switching one rule back on affects only new changes', async () => {
      await configure(CAMPAIGN, { rules: { pushStatuses: true } });
      const orderId = await processingOrder(CAMPAIGN);
      const order = await orderOf(orderId);
      await admin().post(`/admin/orders/${order.id}/status`, { status: 'READY_TO_SHIP', reason: 'assembled' });
      await settled(orderId, 'market');
      expect(market.calls('updateOrderStatus', orderId)).toHaveLength(1);
      expect(await deliveriesOf(orderId, 'imshop_prepare')).toEqual([]);
      expect(market.calls('getBusinessOrders', orderId)).toEqual([]);
    });
  });

  describe('replaying stored Market events (POST /admin/events/replay)', () => {
    const CAMPAIGN = '21000006';
    beforeAll(async () => {
      await configure(CAMPAIGN, {
        businessId: BUSINESS,
        storeId: STORE,
        rules: { fetchDetails: true, prepareTicket: true, pushStatuses: true, answerCancellations: true },
      });
    });
    beforeEach(() => {
      market.respond((req) =>
        req.operationId === 'getBusinessOrders'
          ? { status: 200, body: { orders: (req.body.orderIds as number[]).map((id) => businessOrder(CAMPAIGN, String(id))) } }
          : undefined,
      );
    });
    const replay = async (orderId: string) => {
      const ids = (await t.db.query('SELECT id FROM market_events WHERE order_id = $1 ORDER BY id', [orderId])).map((row: { id: string }) => row.id);
      const res = await admin().post('/admin/events/replay', { source: 'market', ids });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.objectContaining({ state: 'done', matched: ids.length, failed: 0 }));
      return res.body;
    };
    const targetsOf = async (orderId: string) => (await deliveriesOf(orderId)).map((d) => d.target).sort();

    it('never answers a cancellation request again, nor fetches the details or makes the ticket again', async () => {
      const orderId = await processingOrder(CAMPAIGN);
      await settled(orderId, 'market_fetch');
      await settled(orderId, 'imshop_prepare');
      await cancellationRequested(CAMPAIGN, orderId);
      await settled(orderId, 'market_cancel');
      await settled(orderId, 'imshop_withdraw');
      expect((await orderOf(orderId)).status).toBe('CANCELLED');
      const before = await targetsOf(orderId);
      expect(before).toEqual(['imshop_prepare', 'imshop_withdraw', 'market_cancel', 'market_fetch']);
      const prepareTickets = () => imshop.to('/tickets').filter((r) => r.body?.orderId === `YM-${orderId}` && r.body?.type === 'prepare');
      expect(market.calls('acceptOrderCancellation', orderId)).toHaveLength(1);
      expect(prepareTickets()).toHaveLength(1);
      // The ticket's sender fetches the details itself when the fetch after ORDER_CREATED has not stored them yet.
      const fetches = market.calls('getBusinessOrders', orderId).length;

      const run = await replay(orderId);
      expect(run.matched).toBe(3);
      const replayed = await t.db.query(`SELECT dedupe_key FROM order_history WHERE order_id = $1 AND dedupe_key LIKE 'replay:%'`, [
        (await orderOf(orderId)).id,
      ]);
      expect(replayed).toHaveLength(3);
      await new Promise((r) => setTimeout(r, 400));
      expect(await targetsOf(orderId)).toEqual(before);
      expect(market.calls('acceptOrderCancellation', orderId)).toHaveLength(1);
      expect(market.calls('getBusinessOrders', orderId)).toHaveLength(fetches);
      expect(prepareTickets()).toHaveLength(1);
    });

    it('does not make the ticket again when the first one was refused (its delivery is dead): an admin retries that one', async () => {
      const orderId = newOrderId();
      imshop.respond((req) =>
        req.path === '/tickets' && req.body?.orderId === `YM-${orderId}`
          ? { status: 400, body: { success: false, errorCode: 'STORE_CLOSED', errorMessage: 'Магазин закрыт' } }
          : undefined,
      );
      await orderCreated(CAMPAIGN, orderId);
      // Dated a little ahead (within the allowed skew), so the admin's change below is not newer than it.
      const startedAt = new Date(Date.now() + 30_000).toISOString();
      await notify(
        `{"notificationType":"ORDER_STATUS_UPDATED","campaignId":${CAMPAIGN},"orderId":${orderId},"status":"PROCESSING","substatus":"STARTED","updatedAt":"${startedAt}"}`,
      );
      const [dead] = await settled(orderId, 'imshop_prepare');
      expect(dead.state).toBe('dead');
      // An admin put the order back by hand, then replays the day: PROCESSING/STARTED applies again.
      const order = await orderOf(orderId);
      expect((await admin().post(`/admin/orders/${order.id}/status`, { status: 'NEW', reason: 'test', override: true })).status).toBeLessThan(300);
      await replay(orderId);
      expect((await orderOf(orderId)).status).toBe('PROCESSING');
      await new Promise((r) => setTimeout(r, 400));
      expect(await deliveriesOf(orderId, 'imshop_prepare')).toHaveLength(1);
      expect(imshop.to('/tickets').filter((r) => r.body?.orderId === `YM-${orderId}`)).toHaveLength(1);
    });

    it('does start what the first application did not (the rule was off then)', async () => {
      const campaign = '21000007';
      await configure(campaign, { businessId: BUSINESS, storeId: STORE, rules: { answerCancellations: false } });
      const orderId = newOrderId();
      await orderCreated(campaign, orderId);
      await cancellationRequested(campaign, orderId);
      await new Promise((r) => setTimeout(r, 200));
      expect(await deliveriesOf(orderId, 'market_cancel')).toEqual([]);
      await configure(campaign, { rules: { answerCancellations: true } });
      await replay(orderId);
      const [answer] = await settled(orderId, 'market_cancel');
      expect(answer.state).toBe('sent');
      expect(market.calls('acceptOrderCancellation', orderId).map((c) => c.body)).toEqual([{ accepted: true }]);
      // And a replay after that one does not answer again.
      await t.db.query(`UPDATE status_mapping_revision SET revision = revision + 1 WHERE id = 1`);
      await replay(orderId);
      await new Promise((r) => setTimeout(r, 300));
      expect(await deliveriesOf(orderId, 'market_cancel')).toHaveLength(1);
      expect(market.calls('acceptOrderCancellation', orderId)).toHaveLength(1);
    });
  });

  it('every request the fake Market received matched the partner API description', () => {
    expect(market.requests.length).toBeGreaterThan(20);
    expect(market.requests.filter((r) => r.problems.length).map((r) => `${r.method} ${r.path}: ${r.problems.join('; ')}`)).toEqual([]);
  });
});
