import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startFakeImshop, type FakeImshop } from './support/fake-imshop';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

const IMSHOP_KEY = 'imshop-test-key-123';
const CANCELLED_ANSWER = { success: true, newStatus: 'canceled', newMessage: 'Заказ отменён', status: 'canceled', message: 'Заказ отменён' };

describe('POST /imshop/orders/cancel (buyer cancels in the IMSHOP app)', () => {
  let t: TestApp;
  let fake: FakeImshop;

  const cancel = (body: unknown, auth: string | null = `Bearer ${IMSHOP_KEY}`) => {
    const req = t.http().post('/imshop/orders/cancel');
    if (auth !== null) req.set('Authorization', auth);
    return req.send(body as object);
  };
  const seedOrder = async (omsOrderNumber: string | null, status: string, imshopUuid: string | null = null) =>
    (
      await t.db.query(`INSERT INTO orders (oms_order_number, imshop_uuid, status, version) VALUES ($1, $2, $3, 1) RETURNING id`, [
        omsOrderNumber,
        imshopUuid,
        status,
      ])
    )[0].id as string;
  const order = async (id: string) => (await t.db.query('SELECT * FROM orders WHERE id = $1', [id]))[0] as Record<string, any>;
  const history = async (orderId: string) =>
    (await t.db.query('SELECT * FROM order_history WHERE order_id = $1 ORDER BY id', [orderId])) as Record<string, any>[];
  const ticket = async (imshopTicketId: string) =>
    (await t.db.query('SELECT * FROM imshop_tickets WHERE imshop_ticket_id = $1', [imshopTicketId]))[0] as Record<string, any> | undefined;
  const newTicket = async (type: string, orderId: string) => {
    const res = await t.http().post('/tickets').set('X-Api-Key', ADMIN_KEY).send({ type, orderId, storeId: '1456' });
    expect(res.status).toBe(201);
    return res.body.ticket.imshopTicketId as string;
  };
  const cancelTicketsFor = (orderNumber: string) => fake.to('/tickets').filter((r) => r.body?.type === 'cancel' && r.body?.orderId === orderNumber);

  beforeAll(async () => {
    fake = await startFakeImshop();
    t = await startTestApp({
      IMSHOP_API_KEY: IMSHOP_KEY,
      IMSHOP_TICKETS_URL: `${fake.url}/tickets`,
      IMSHOP_STATUS_URL: `${fake.url}/statuses`,
      MARKET_ALLOWED_CIDRS: '*',
    });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });
  beforeEach(() => fake.respond(() => undefined));

  it('cancels an order still in the store (newer shape), answers from the outbound mapping, and withdraws its open ticket', async () => {
    const orderId = await seedOrder('C-1', 'PROCESSING');
    const prep = await newTicket('prepare', 'C-1');
    const res = await cancel({ id: 'C-1', status: 'canceled', reason: 'Не дозвонились, купил в другом магазине' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(CANCELLED_ANSWER);

    const o = await order(orderId);
    expect(o.status).toBe('CANCELLED');
    expect(o.status_source).toBe('imshop_app');
    const rows = await history(orderId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      source: 'imshop_app',
      outcome: 'applied',
      from_status: 'PROCESSING',
      to_status: 'CANCELLED',
      dedupe_key: `imshop_app:cancel:${orderId}`,
    });
    expect(rows[0].note).toContain('Не дозвонились, купил в другом магазине');

    // After the answer, the open prepare ticket is withdrawn through IMSHOP's ticket API with our Bearer key
    await fake.waitFor(() => cancelTicketsFor('C-1').length === 1);
    const [sent] = cancelTicketsFor('C-1');
    expect(sent.headers.authorization).toBe(`Bearer ${IMSHOP_KEY}`);
    expect(sent.body).toMatchObject({ type: 'cancel', orderId: 'C-1', storeId: '1456', ticketId: prep });
    expect(sent.body.comment).toContain('Не дозвонились');
    await waitUntil(async () => (await ticket(prep))!.cancel_requested_at !== null);
    await waitUntil(async () => (await t.db.query(`SELECT 1 FROM imshop_tickets WHERE cancels_ticket_id = $1`, [prep])).length === 1);
  });

  it('accepts the seed shape {uuid, internalId, reason} and learns the IMSHOP uuid', async () => {
    const orderId = await seedOrder('C-2', 'NEW');
    const uuid = 'f5315818-cccc-4444-aaaa-31b6aebceb54';
    const res = await cancel({ uuid, internalId: 'C-2', reason: 'Передумал' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(CANCELLED_ANSWER);
    expect(await order(orderId)).toMatchObject({ status: 'CANCELLED', imshop_uuid: uuid });
  });

  it('finds an order by the IMSHOP uuid alone, and takes the key from the body', async () => {
    const uuid = 'a1b2c3d4-0000-4444-aaaa-31b6aebceb54';
    const orderId = await seedOrder('C-3', 'READY_TO_SHIP', uuid);
    const res = await cancel({ uuid, key: IMSHOP_KEY }, null);
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect((await order(orderId)).status).toBe('CANCELLED');
    expect(JSON.stringify((await history(orderId))[0].payload)).not.toContain(IMSHOP_KEY);
  });

  it('a repeat answers the same, writes no new history and sends no second cancel ticket', async () => {
    const orderId = await seedOrder('C-4', 'PROCESSING');
    await newTicket('prepare', 'C-4');
    expect((await cancel({ id: 'C-4', status: 'canceled' })).body).toEqual(CANCELLED_ANSWER);
    await fake.waitFor(() => cancelTicketsFor('C-4').length === 1);
    await waitUntil(async () => (await t.db.query(`SELECT 1 FROM imshop_tickets WHERE oms_order_number = 'C-4' AND type = 'cancel'`)).length === 1);
    expect((await cancel({ id: 'C-4', status: 'canceled' })).body).toEqual(CANCELLED_ANSWER);
    expect((await cancel({ uuid: 'ffffffff-0000-4444-aaaa-31b6aebceb54', internalId: 'C-4' })).body).toEqual(CANCELLED_ANSWER);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(cancelTicketsFor('C-4')).toHaveLength(1);
    expect(await history(orderId)).toHaveLength(1);
  });

  it('refuses an order already handed to delivery or delivered, with the reason in Russian, changing nothing', async () => {
    const shipped = await seedOrder('C-5', 'SHIPPED');
    await newTicket('receive', 'C-5');
    const res = await cancel({ id: 'C-5', status: 'canceled' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: false,
      newMessage: 'Заказ уже передан в доставку, отменить его нельзя',
      message: 'Заказ уже передан в доставку, отменить его нельзя',
    });
    expect((await order(shipped)).status).toBe('SHIPPED');
    expect(await history(shipped)).toEqual([]);

    const delivered = await seedOrder('C-6', 'DELIVERED');
    const late = await cancel({ uuid: 'f5315818-cccc-4444-aaaa-000000000006', internalId: 'C-6' });
    expect(late.body).toMatchObject({ success: false, newMessage: 'Заказ уже получен, отменить его нельзя' });
    expect((await order(delivered)).status).toBe('DELIVERED');

    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(cancelTicketsFor('C-5')).toEqual([]);
  });

  it('an unknown order is success: false', async () => {
    const res = await cancel({ id: 'C-nope', status: 'canceled' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: false, newMessage: 'Заказ не найден', message: 'Заказ не найден' });
    expect((await t.db.query(`SELECT 1 FROM orders WHERE oms_order_number = 'C-nope'`)).length).toBe(0);
  });

  it('bad requests are 400 naming the field', async () => {
    const none = await cancel({ reason: 'x' });
    expect(none.status).toBe(400);
    expect(none.body.message).toEqual([expect.stringContaining('id is required')]);
    const wrongStatus = await cancel({ id: 'C-1', status: 'done' });
    expect(wrongStatus.status).toBe(400);
    expect(wrongStatus.body.message[0]).toContain('status');
    const mistyped = await cancel({ id: { a: 1 } });
    expect(mistyped.status).toBe(400);
    expect(mistyped.body.message[0]).toContain('id');
  });

  it('refuses calls without the right IMSHOP key (401), changing nothing', async () => {
    const orderId = await seedOrder('C-7', 'NEW');
    expect((await cancel({ id: 'C-7', status: 'canceled' }, null)).status).toBe(401);
    expect((await cancel({ id: 'C-7', status: 'canceled' }, 'Bearer nope')).status).toBe(401);
    expect((await cancel({ id: 'C-7', status: 'canceled', key: 'nope' }, null)).status).toBe(401);
    expect((await order(orderId)).status).toBe('NEW');
    expect(await history(orderId)).toEqual([]);
  });

  it('a withdrawal IMSHOP refuses is retried on the next cancellation request', async () => {
    await seedOrder('C-8', 'PROCESSING');
    const prep = await newTicket('prepare', 'C-8');
    fake.respond((req) => (req.path === '/tickets' ? { status: 500, body: { success: false } } : undefined));
    expect((await cancel({ id: 'C-8', status: 'canceled' })).body).toEqual(CANCELLED_ANSWER);
    await fake.waitFor(() => cancelTicketsFor('C-8').length === 1);
    await waitUntil(async () => (await ticket(prep))!.cancel_requested_at === null);
    fake.respond((req) => (req.path === '/tickets' ? { status: 200, body: { success: true, status: 'cancelled', ticketId: req.body.ticketId } } : undefined));
    expect((await cancel({ id: 'C-8', status: 'canceled' })).body).toEqual(CANCELLED_ANSWER);
    await fake.waitFor(() => cancelTicketsFor('C-8').length === 2);
    await waitUntil(async () => (await ticket(prep))!.closed === true);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
