import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { eventually } from './support/fake-http-peer';
import { startFakeImshop, type FakeImshop } from './support/fake-imshop';
import { startFakeMarketApi, type FakeMarketApi } from './support/fake-market-api';
import { BUSINESS, businessOrder, IMSHOP_KEY, MARKET_KEY, marketLoopEnv, marketTimeline, STORE } from './support/market-loop-fixtures';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

const CAMPAIGN = '21000901';

/**
 * IMSHOP's ticket API takes no reference of ours and offers no lookup (seed and docs: `POST` → `{success,
 * ticketId, status}`), and the fake creates a ticket for every accepted request, as IMSHOP would. So whatever
 * happens between IMSHOP's answer and our commit of it, a retry must not send the request again.
 */
describe('IMSHOP ticket creation is idempotent (fake IMSHOP and fake Market over real HTTP, real PostgreSQL)', () => {
  // Deliveries are retried every 0.2-0.5 s below: a test waits for a few of them.
  jest.setTimeout(30_000);
  let t: TestApp;
  let imshop: FakeImshop;
  let market: FakeMarketApi;
  const { at, newOrderId, unixSeconds } = marketTimeline(990_000_000);

  const admin = () => ({
    post: (path: string, body: object, headers: Record<string, string> = {}) => t.http().post(path).set('X-Api-Key', ADMIN_KEY).set(headers).send(body),
    put: (path: string, body: object) => t.http().put(path).set('X-Api-Key', ADMIN_KEY).send(body),
  });
  const notify = (body: string) => t.http().post('/market/notification').set('Content-Type', 'application/json').send(body);
  const processingOrder = async () => {
    const orderId = newOrderId();
    expect(
      (
        await notify(
          `{"notificationType":"ORDER_CREATED","campaignId":${CAMPAIGN},"orderId":${orderId},"items":[{"offerId":"SKU-RED-42","count":1}],"createdAt":"${at()}"}`,
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await notify(
          `{"notificationType":"ORDER_STATUS_UPDATED","campaignId":${CAMPAIGN},"orderId":${orderId},"status":"PROCESSING","substatus":"STARTED","updatedAt":"${at()}"}`,
        )
      ).status,
    ).toBe(200);
    return orderId;
  };
  const ticketStatus = (ticketId: string, omsOrderNumber: string, status: string, step?: string) =>
    t
      .http()
      .post('/imshop/tickets/status')
      .set('Authorization', `Bearer ${IMSHOP_KEY}`)
      .send({ ticketId, orderId: omsOrderNumber, storeId: STORE, staffId: '12393', status, step, comment: null, metadata: { timestamp: unixSeconds() } });
  const orderOf = async (marketOrderId: string) =>
    (await t.db.query('SELECT * FROM orders WHERE market_order_id = $1', [marketOrderId]))[0] as Record<string, any>;
  const prepareDelivery = async (marketOrderId: string) =>
    (
      await t.db.query(`SELECT d.* FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE o.market_order_id = $1 AND d.target = 'imshop_prepare'`, [
        marketOrderId,
      ])
    )[0] as Record<string, any> | undefined;
  const requestOf = async (key: string) =>
    (await t.db.query('SELECT * FROM imshop_ticket_requests WHERE request_key = $1', [key]))[0] as Record<string, any> | undefined;
  const ticketRow = async (imshopTicketId: string) =>
    (await t.db.query('SELECT * FROM imshop_tickets WHERE imshop_ticket_id = $1', [imshopTicketId]))[0] as Record<string, any>;
  const postsFor = (omsOrderNumber: string) => imshop.to('/tickets').filter((r) => r.body?.orderId === omsOrderNumber && r.body?.type !== 'cancel');
  const createdAtImshop = (omsOrderNumber: string) => imshop.tickets.filter((ticket) => ticket.orderId === omsOrderNumber);

  /** Our commit of IMSHOP's acceptance fails, as when the database goes down right after IMSHOP answered. */
  const failRecording = async () => {
    await t.db.query(`CREATE OR REPLACE FUNCTION test_fail_ticket_recording() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'test: the database failed while recording IMSHOP''s answer'; END $$`);
    await t.db.query(`CREATE TRIGGER test_fail_ticket_recording BEFORE UPDATE ON imshop_ticket_requests FOR EACH ROW
      WHEN (NEW.state = 'created') EXECUTE FUNCTION test_fail_ticket_recording()`);
  };
  const recordingWorks = () => t.db.query('DROP TRIGGER IF EXISTS test_fail_ticket_recording ON imshop_ticket_requests');

  beforeAll(async () => {
    imshop = await startFakeImshop();
    market = await startFakeMarketApi(MARKET_KEY);
    market.respond((req) =>
      req.operationId === 'getBusinessOrders'
        ? { status: 200, body: { orders: (req.body.orderIds as number[]).map((id) => businessOrder(CAMPAIGN, String(id))) } }
        : undefined,
    );
    t = await startTestApp(
      // Retries every 0.2-0.5 s, eight attempts: room for IMSHOP's report to arrive in between.
      marketLoopEnv(market, imshop, {
        DELIVERY_BACKOFF_MS: '200',
        DELIVERY_BACKOFF_MAX_MS: '500',
        DELIVERY_MAX_ATTEMPTS: '8',
        DELIVERY_TIMEOUT_MS: '1000',
        OUTBOX_SWEEP_MS: '200',
      }),
    );
    const res = await admin().put(`/admin/market/campaigns/${CAMPAIGN}/automation`, {
      businessId: BUSINESS,
      storeId: STORE,
      rules: { fetchDetails: false, prepareTicket: true, pushStatuses: false },
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await imshop?.close();
    await market?.close();
  });
  beforeEach(async () => {
    imshop.respond(() => undefined);
    await recordingWorks();
  });

  describe("the Market loop's prepare ticket", () => {
    it('a database failure after IMSHOP created the ticket: the retry does not send again, and takes the ticket IMSHOP reports', async () => {
      await failRecording();
      const orderId = await processingOrder();
      const oms = `YM-${orderId}`;
      // The first attempt: IMSHOP creates the ticket, our commit of its answer fails; the retries send nothing.
      const unknown = await eventually(async () => {
        const delivery = await prepareDelivery(orderId);
        // Between attempts (the next one's claim puts it in flight, its attempt counted).
        return delivery && delivery.attempts >= 3 && delivery.state !== 'in_flight' ? delivery : undefined;
      });
      expect(unknown.state).toBe('retrying');
      expect(unknown.last_error).toContain('its answer is unknown');
      await recordingWorks();
      expect(postsFor(oms)).toHaveLength(1);
      expect(createdAtImshop(oms)).toHaveLength(1);
      const [{ ticketId }] = createdAtImshop(oms);
      expect(await requestOf(`market-prepare:${(await orderOf(orderId)).id}`)).toMatchObject({
        state: 'sending',
        attempts: 1,
        imshop_ticket_id: null,
        type: 'prepare',
        oms_order_number: oms,
      });
      expect(await ticketRow(ticketId)).toBeUndefined();

      // IMSHOP reports the ticket (a step moved on): the next attempt takes it as the one it created.
      expect((await ticketStatus(ticketId, oms, 'advance', 'pack-order')).status).toBe(200);
      const sent = await eventually(async () => {
        const delivery = await prepareDelivery(orderId);
        return delivery?.state === 'sent' ? delivery : undefined;
      });
      expect(sent.response.ticketId).toBe(ticketId);
      expect(await ticketRow(ticketId)).toMatchObject({ created_by_us: true, type: 'prepare', oms_order_number: oms, store_id: STORE });
      expect(await requestOf(`market-prepare:${(await orderOf(orderId)).id}`)).toMatchObject({ state: 'created', imshop_ticket_id: ticketId });
      expect(postsFor(oms)).toHaveLength(1);
      expect(createdAtImshop(oms)).toHaveLength(1);

      // The ticket is ours now: its `done` moves the order as a prepare ticket's.
      expect((await ticketStatus(ticketId, oms, 'done')).status).toBe(200);
      expect((await orderOf(orderId)).status).toBe('READY_TO_SHIP');
    });

    it('IMSHOP answered after our timeout: not sent again; a `failed` it reported before we took the ticket is applied once its type is known', async () => {
      const orderId = newOrderId();
      const oms = `YM-${orderId}`;
      imshop.respond((req) =>
        req.path === '/tickets' && req.body?.orderId === oms
          ? { status: 200, body: { success: true, status: 'created', ticketId: `rsp-late-${orderId}` }, delayMs: 1500 }
          : undefined,
      );
      await notify(
        `{"notificationType":"ORDER_CREATED","campaignId":${CAMPAIGN},"orderId":${orderId},"items":[{"offerId":"SKU-RED-42","count":1}],"createdAt":"${at()}"}`,
      );
      await notify(
        `{"notificationType":"ORDER_STATUS_UPDATED","campaignId":${CAMPAIGN},"orderId":${orderId},"status":"PROCESSING","substatus":"STARTED","updatedAt":"${at()}"}`,
      );
      const timedOut = await eventually(async () => {
        const delivery = await prepareDelivery(orderId);
        // Between attempts: the next one's claim counts it and puts it in flight before its outcome is recorded.
        return delivery && delivery.attempts >= 2 && delivery.state !== 'in_flight' ? delivery : undefined;
      });
      expect(timedOut.last_error).toContain('its answer is unknown');
      expect(timedOut.last_error).toContain('no answer within 1000 ms');
      // `failed` is valid for every ticket type: for a ticket we do not know it moves nothing.
      expect((await ticketStatus(`rsp-late-${orderId}`, oms, 'failed')).status).toBe(200);
      const sent = await eventually(async () => {
        const delivery = await prepareDelivery(orderId);
        return delivery?.state === 'sent' ? delivery : undefined;
      });
      expect(sent.response.ticketId).toBe(`rsp-late-${orderId}`);
      expect(postsFor(oms)).toHaveLength(1);
      expect(createdAtImshop(oms)).toHaveLength(1);
      expect(await ticketRow(`rsp-late-${orderId}`)).toMatchObject({ created_by_us: true, type: 'prepare', status: 'failed', closed: true });
      const order = await orderOf(orderId);
      expect(order.status).toBe('ASSEMBLY_FAILED');
      const [applied] = await t.db.query(`SELECT * FROM order_history WHERE order_id = $1 AND dedupe_key LIKE 'adopted:%'`, [order.id]);
      expect(applied).toMatchObject({ source: 'imshop_ticket', outcome: 'applied', to_status: 'ASSEMBLY_FAILED', external_code: 'failed' });
    });

    it('IMSHOP answered 2xx with a body we cannot read: the delivery keeps trying without sending again', async () => {
      const orderId = newOrderId();
      const oms = `YM-${orderId}`;
      imshop.respond((req) => (req.path === '/tickets' && req.body?.orderId === oms ? { status: 200, body: '<html><body>OK</body></html>' } : undefined));
      await notify(
        `{"notificationType":"ORDER_CREATED","campaignId":${CAMPAIGN},"orderId":${orderId},"items":[{"offerId":"SKU-RED-42","count":1}],"createdAt":"${at()}"}`,
      );
      await notify(
        `{"notificationType":"ORDER_STATUS_UPDATED","campaignId":${CAMPAIGN},"orderId":${orderId},"status":"PROCESSING","substatus":"STARTED","updatedAt":"${at()}"}`,
      );
      const waiting = await eventually(async () => {
        const delivery = await prepareDelivery(orderId);
        return delivery && delivery.attempts >= 2 && delivery.state !== 'in_flight' ? delivery : undefined;
      });
      // Not dead (a refusal would be): IMSHOP may have created the ticket, and the next attempts take it once reported.
      expect(waiting.state).toBe('retrying');
      expect(waiting.last_error).toContain('its answer is unknown');
      expect(postsFor(oms)).toHaveLength(1);
      expect(await requestOf(`market-prepare:${(await orderOf(orderId)).id}`)).toMatchObject({ state: 'sending' });
    });

    it('IMSHOP refused (5xx): sent again under the same key, and one ticket results', async () => {
      const orderId = newOrderId();
      const oms = `YM-${orderId}`;
      let refusals = 0;
      imshop.respond((req) =>
        req.path === '/tickets' && req.body?.orderId === oms && refusals++ < 1
          ? { status: 500, body: { success: false, errorCode: 'INTERNAL', errorMessage: 'try later' } }
          : undefined,
      );
      await notify(
        `{"notificationType":"ORDER_CREATED","campaignId":${CAMPAIGN},"orderId":${orderId},"items":[{"offerId":"SKU-RED-42","count":1}],"createdAt":"${at()}"}`,
      );
      await notify(
        `{"notificationType":"ORDER_STATUS_UPDATED","campaignId":${CAMPAIGN},"orderId":${orderId},"status":"PROCESSING","substatus":"STARTED","updatedAt":"${at()}"}`,
      );
      const sent = await eventually(async () => {
        const delivery = await prepareDelivery(orderId);
        return delivery?.state === 'sent' ? delivery : undefined;
      });
      expect(sent.attempts).toBe(2);
      expect(postsFor(oms)).toHaveLength(2);
      expect(createdAtImshop(oms)).toHaveLength(1);
      expect(await requestOf(`market-prepare:${(await orderOf(orderId)).id}`)).toMatchObject({
        state: 'created',
        attempts: 2,
        imshop_ticket_id: createdAtImshop(oms)[0].ticketId,
      });
    });
  });

  describe('withdrawing the tickets of a cancelled order', () => {
    it('sends each cancel ticket under a key: a lost answer does not make the retry send a second one', async () => {
      const orderId = await processingOrder();
      const oms = `YM-${orderId}`;
      const prepared = await eventually(async () => {
        const delivery = await prepareDelivery(orderId);
        return delivery?.state === 'sent' ? delivery : undefined;
      });
      const ticketId = prepared.response.ticketId as string;
      // IMSHOP takes the cancel ticket but its answer comes after our timeout (1 s).
      imshop.respond((req) =>
        req.path === '/tickets' && req.body?.type === 'cancel' && req.body?.orderId === oms
          ? { status: 200, body: { success: true, status: 'created', ticketId: `rsp-cancel-${orderId}` }, delayMs: 1500 }
          : undefined,
      );
      expect(
        (
          await notify(
            `{"notificationType":"ORDER_STATUS_UPDATED","campaignId":${CAMPAIGN},"orderId":${orderId},"status":"CANCELLED","substatus":"USER_CHANGED_MIND","updatedAt":"${at()}"}`,
          )
        ).status,
      ).toBe(200);
      const withdrawal = async () =>
        (
          await t.db.query(`SELECT d.* FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE o.market_order_id = $1 AND d.target = 'imshop_withdraw'`, [
            orderId,
          ])
        )[0] as Record<string, any> | undefined;
      const retried = await eventually(async () => {
        const delivery = await withdrawal();
        return delivery && delivery.attempts >= 3 && delivery.state !== 'in_flight' ? delivery : undefined;
      });
      expect(retried.state).toBe('retrying');
      const cancels = imshop.to('/tickets').filter((r) => r.body?.type === 'cancel' && r.body?.ticketId === ticketId);
      expect(cancels).toHaveLength(1);
      const [ticket] = (await t.db.query('SELECT id FROM imshop_tickets WHERE imshop_ticket_id = $1', [ticketId])) as { id: string }[];
      expect(await requestOf(`withdraw:${ticket.id}`)).toMatchObject({ state: 'sending', type: 'cancel', oms_order_number: oms });
    });
  });

  describe('POST /tickets with an Idempotency-Key', () => {
    const body = (orderId: string) => ({ type: 'receive', orderId, storeId: STORE, comment: 'из магазина 16784' });

    it('a repeat answers with the ticket created under the key, without a second request to IMSHOP', async () => {
      const first = await admin().post('/tickets', body('IDEM-1'), { 'Idempotency-Key': 'receive-IDEM-1' });
      expect(first.status).toBe(201);
      const again = await admin().post('/tickets', body('IDEM-1'), { 'Idempotency-Key': 'receive-IDEM-1' });
      expect(again.status).toBe(201);
      expect(again.body.ticket.imshopTicketId).toBe(first.body.ticket.imshopTicketId);
      expect(again.body.imshop).toEqual({ success: true, status: 'created', ticketId: first.body.ticket.imshopTicketId });
      expect(postsFor('IDEM-1')).toHaveLength(1);
      // Without the key every request is a new ticket, as IMSHOP's API has it.
      expect((await admin().post('/tickets', body('IDEM-1'))).status).toBe(201);
      expect(createdAtImshop('IDEM-1')).toHaveLength(2);
    });

    it('after a lost commit a repeat is refused with 409 and sends nothing; once IMSHOP reports the ticket, the repeat answers with it', async () => {
      await failRecording();
      const first = await admin().post('/tickets', body('IDEM-2'), { 'Idempotency-Key': 'receive-IDEM-2' });
      expect(first.status).toBe(500);
      await recordingWorks();
      const [{ ticketId }] = createdAtImshop('IDEM-2');
      const held = await admin().post('/tickets', body('IDEM-2'), { 'Idempotency-Key': 'receive-IDEM-2' });
      expect(held.status).toBe(409);
      expect(held.body.message).toContain('ticket request admin:receive-IDEM-2 was sent to IMSHOP');
      expect(held.body.message).toContain('if IMSHOP has no such ticket, create it with POST /tickets');
      expect(postsFor('IDEM-2')).toHaveLength(1);

      expect((await ticketStatus(ticketId, 'IDEM-2', 'received')).status).toBe(200);
      const taken = await admin().post('/tickets', body('IDEM-2'), { 'Idempotency-Key': 'receive-IDEM-2' });
      expect(taken.status).toBe(201);
      expect(taken.body.ticket).toMatchObject({ imshopTicketId: ticketId, createdByUs: true, type: 'receive' });
      expect(postsFor('IDEM-2')).toHaveLength(1);
      expect(createdAtImshop('IDEM-2')).toHaveLength(1);
    });

    it('a refusal by IMSHOP lets the same key be sent again', async () => {
      let refused = false;
      imshop.respond((req) =>
        req.body?.orderId === 'IDEM-3' && !refused
          ? ((refused = true), { status: 400, body: { success: false, errorCode: 'STORE_NOT_FOUND', errorMessage: 'нет магазина' } })
          : undefined,
      );
      expect((await admin().post('/tickets', body('IDEM-3'), { 'Idempotency-Key': 'receive-IDEM-3' })).status).toBe(502);
      expect(await requestOf('admin:receive-IDEM-3')).toMatchObject({ state: 'refused', last_error: expect.stringContaining('STORE_NOT_FOUND') });
      expect((await admin().post('/tickets', body('IDEM-3'), { 'Idempotency-Key': 'receive-IDEM-3' })).status).toBe(201);
      expect(postsFor('IDEM-3')).toHaveLength(2);
      expect(createdAtImshop('IDEM-3')).toHaveLength(1);
    });

    it.each([
      ['a body cut at 64 KiB', { status: 200, body: { success: true, status: 'created', ticketId: 'rsp-cut', padding: 'x'.repeat(70_000) } }],
      ["a proxy's HTML page", { status: 200, body: '<html><body>Bad gateway, but with a 200</body></html>' }],
      ['success without a ticketId', { status: 200, body: { success: true, status: 'created' } }],
    ])('an unreadable 2xx (%s) is an unknown outcome, not a refusal: a repeat sends nothing', async (_kind, answer) => {
      const order = `IDEM-U-${Math.random().toString(36).slice(2, 8)}`;
      imshop.respond((req) => (req.body?.orderId === order ? answer : undefined));
      const first = await admin().post('/tickets', body(order), { 'Idempotency-Key': `receive-${order}` });
      expect(first.status).toBe(502);
      expect(first.body.message).toContain('IMSHOP may have created the ticket');
      expect(await requestOf(`admin:receive-${order}`)).toMatchObject({ state: 'sending' });
      const again = await admin().post('/tickets', body(order), { 'Idempotency-Key': `receive-${order}` });
      expect(again.status).toBe(409);
      expect(postsFor(order)).toHaveLength(1);
    });

    it('refuses a malformed key, naming it, and sends nothing', async () => {
      const res = await admin().post('/tickets', body('IDEM-4'), { 'Idempotency-Key': 'has space' });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain('Idempotency-Key');
      expect(postsFor('IDEM-4')).toHaveLength(0);
    });
  });
});
