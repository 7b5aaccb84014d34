import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { eventually } from './support/fake-http-peer';
import { startFakeImshop, type FakeImshop } from './support/fake-imshop';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';
import { T0, ticketStatusEvent } from './support/ticket-status-event';
import { TicketIntakeService } from '../src/imshop-tickets/ticket-intake.service';

const IMSHOP_KEY = 'imshop-test-key-123';
describe('IMSHOP tickets', () => {
  let t: TestApp;
  let fake: FakeImshop;

  const webhook = (body: unknown, auth: string | null = `Bearer ${IMSHOP_KEY}`) => {
    const req = t.http().post('/imshop/tickets/status');
    if (auth !== null) req.set('Authorization', auth);
    return req.send(body as object);
  };
  const createTicket = (body: unknown) =>
    t
      .http()
      .post('/tickets')
      .set('X-Api-Key', ADMIN_KEY)
      .send(body as object);
  const seedOrder = async (omsOrderNumber: string, status = 'NEW') =>
    (await t.db.query(`INSERT INTO orders (oms_order_number, status, version) VALUES ($1, $2, 1) RETURNING id`, [omsOrderNumber, status]))[0].id as string;
  const order = async (omsOrderNumber: string) =>
    (await t.db.query('SELECT * FROM orders WHERE oms_order_number = $1', [omsOrderNumber]))[0] as Record<string, any> | undefined;
  const history = async (orderId: string) =>
    (await t.db.query('SELECT * FROM order_history WHERE order_id = $1 ORDER BY id', [orderId])) as Record<string, any>[];
  const ticket = async (imshopTicketId: string) =>
    (await t.db.query('SELECT * FROM imshop_tickets WHERE imshop_ticket_id = $1', [imshopTicketId]))[0] as Record<string, any> | undefined;
  const events = async (imshopTicketId: string) =>
    (await t.db.query('SELECT e.* FROM imshop_ticket_events e JOIN imshop_tickets t ON t.id = e.ticket_id WHERE t.imshop_ticket_id = $1 ORDER BY e.id', [
      imshopTicketId,
    ])) as Record<string, any>[];
  const count = async (table: string) => (await t.db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;
  /** Creates a ticket through POST /tickets (the fake accepts it) and returns IMSHOP's ticket id. */
  const newTicket = async (type: string, orderId: string, extra: Record<string, unknown> = {}) => {
    const res = await createTicket({ type, orderId, storeId: '1456', ...extra });
    expect(res.status).toBe(201);
    return res.body.ticket.imshopTicketId as string;
  };

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

  describe('life cycles of the five ticket types', () => {
    it('prepare: created through IMSHOP with our Bearer key, advance then done → READY_TO_SHIP, ticket closed', async () => {
      const orderId = await seedOrder('L-prep');
      const request = {
        type: 'prepare',
        orderId: 'L-prep',
        storeId: '1456',
        shouldBeAcceptedInTimeout: 900,
        steps: [
          { id: 'prepare-order', title: 'Сборка заказа', cta: 'Завершить сборку', displayCart: true, scanToConfirm: true, timeout: 1200 },
          { id: 'pack-order', title: 'Упаковка' },
        ],
        buyer: { name: 'Петр Иванов', phone: '+79997771234' },
        cart: [{ configurationId: 'cfg-1', quantity: 2, price: 4999 }],
      };
      const before = fake.to('/tickets').length;
      const res = await createTicket(request);
      expect(res.status).toBe(201);
      const sent = fake.to('/tickets').slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0].headers.authorization).toBe(`Bearer ${IMSHOP_KEY}`);
      expect(sent[0].headers['content-type']).toMatch(/^application\/json/);
      expect(sent[0].body).toEqual(request);
      const id = res.body.ticket.imshopTicketId as string;
      expect(res.body).toMatchObject({
        ticket: {
          imshopTicketId: id,
          type: 'prepare',
          omsOrderNumber: 'L-prep',
          orderId,
          storeId: '1456',
          status: 'created',
          createdByUs: true,
          closed: false,
        },
        imshop: { success: true, status: 'created', ticketId: id },
      });
      expect((await ticket(id))!.request).toEqual(request);

      expect((await webhook(ticketStatusEvent(id, 'L-prep', 'advance', T0, { step: 'pack-order' }))).body).toEqual({ success: true });
      expect((await order('L-prep'))!.status).toBe('NEW');
      const done = await webhook(ticketStatusEvent(id, 'L-prep', 'done', T0 + 60));
      expect(done.status).toBe(200);
      expect(done.body).toEqual({ success: true });

      expect((await order('L-prep'))!.status).toBe('READY_TO_SHIP');
      const rows = await history(orderId);
      expect(rows.map((r) => [r.source, r.external_code, r.outcome, r.to_status])).toEqual([
        ['imshop_ticket', 'advance', 'info', null],
        ['imshop_ticket', 'done', 'applied', 'READY_TO_SHIP'],
      ]);
      expect(rows[1].event_at.toISOString()).toBe(new Date((T0 + 60) * 1000).toISOString());
      expect(rows[1].note).toContain(`prepare ticket ${id}: done`);
      expect(await ticket(id)).toMatchObject({ status: 'done', closed: true, order_id: orderId });
      const stored = await events(id);
      expect(stored.map((e) => [e.status, e.step, e.outcome])).toEqual([
        ['advance', 'pack-order', 'info'],
        ['done', null, 'applied'],
      ]);
    });

    it('prepare: partiallyDone keeps the unavailable items; failed → ASSEMBLY_FAILED', async () => {
      const orderId = await seedOrder('L-prep2', 'PROCESSING');
      const id = await newTicket('prepare', 'L-prep2');
      const unavailableItems = [{ configurationId: '12345', quantity: 1 }];
      expect((await webhook(ticketStatusEvent(id, 'L-prep2', 'partiallyDone', T0, { metadata: { unavailableItems } }))).status).toBe(200);
      expect((await order('L-prep2'))!.status).toBe('PARTIALLY_READY');
      expect((await ticket(id))!.unavailable_items).toEqual(unavailableItems);
      const view = await t.http().get(`/admin/orders/${orderId}`).set('X-Api-Key', ADMIN_KEY);
      expect(view.status).toBe(200);
      expect(view.body.imshopTickets).toEqual([expect.objectContaining({ imshopTicketId: id, unavailableItems })]);

      await seedOrder('L-prep3', 'PROCESSING');
      const failedId = await newTicket('prepare', 'L-prep3');
      expect((await webhook(ticketStatusEvent(failedId, 'L-prep3', 'failed', T0))).status).toBe(200);
      expect((await order('L-prep3'))!.status).toBe('ASSEMBLY_FAILED');
      expect((await ticket(failedId))!.closed).toBe(true);
    });

    it('ship: shipped → SHIPPED with tracking number on order and ticket, waybill on the ticket; failed changes nothing', async () => {
      const orderId = await seedOrder('L-ship', 'READY_TO_SHIP');
      const id = await newTicket('ship', 'L-ship', { delivery: { type: 'regular', provider: 'cdek' } });
      const res = await webhook(
        ticketStatusEvent(id, 'L-ship', 'shipped', T0, { metadata: { deliveryTrackingNumber: '1234567890', deliveryOrderId: 'CDEK-1029384756' } }),
      );
      expect(res.status).toBe(200);
      expect(await order('L-ship')).toMatchObject({ status: 'SHIPPED', tracking_number: '1234567890' });
      expect(await ticket(id)).toMatchObject({
        type: 'ship',
        status: 'shipped',
        tracking_number: '1234567890',
        delivery_order_id: 'CDEK-1029384756',
        closed: true,
      });

      await seedOrder('L-ship2', 'READY_TO_SHIP');
      const failedId = await newTicket('ship', 'L-ship2');
      expect((await webhook(ticketStatusEvent(failedId, 'L-ship2', 'failed', T0))).status).toBe(200);
      const o = await order('L-ship2');
      expect(o!.status).toBe('READY_TO_SHIP');
      expect((await history(o!.id)).map((r) => [r.external_code, r.outcome, r.to_status])).toEqual([['failed', 'info', null]]);
      expect(orderId).toBeDefined();
    });

    it('receive: received → READY_FOR_PICKUP (ticket stays open), handedOver → DELIVERED (closed)', async () => {
      const orderId = await seedOrder('L-recv', 'SHIPPED');
      const id = await newTicket('receive', 'L-recv');
      await webhook(ticketStatusEvent(id, 'L-recv', 'received', T0));
      expect((await order('L-recv'))!.status).toBe('READY_FOR_PICKUP');
      expect((await ticket(id))!.closed).toBe(false);
      await webhook(ticketStatusEvent(id, 'L-recv', 'handedOver', T0 + 3600));
      expect((await order('L-recv'))!.status).toBe('DELIVERED');
      expect(await ticket(id)).toMatchObject({ status: 'handedOver', closed: true });
      expect((await history(orderId)).map((r) => r.to_status)).toEqual(['READY_FOR_PICKUP', 'DELIVERED']);
    });

    it('receive: notHandedOver → NOT_REDEEMED, then returned → RETURNED', async () => {
      await seedOrder('L-recv2', 'SHIPPED');
      const id = await newTicket('receive', 'L-recv2');
      await webhook(ticketStatusEvent(id, 'L-recv2', 'received', T0));
      await webhook(ticketStatusEvent(id, 'L-recv2', 'notHandedOver', T0 + 100));
      expect((await order('L-recv2'))!.status).toBe('NOT_REDEEMED');
      expect((await ticket(id))!.closed).toBe(false);
      await webhook(ticketStatusEvent(id, 'L-recv2', 'returned', T0 + 200));
      expect((await order('L-recv2'))!.status).toBe('RETURNED');
      expect((await ticket(id))!.closed).toBe(true);
    });

    it('release: released sends an assembled order back to PROCESSING', async () => {
      const orderId = await seedOrder('L-rel', 'PROCESSING');
      const prep = await newTicket('prepare', 'L-rel');
      await webhook(ticketStatusEvent(prep, 'L-rel', 'done', T0));
      expect((await order('L-rel'))!.status).toBe('READY_TO_SHIP');
      const id = await newTicket('release', 'L-rel');
      expect((await webhook(ticketStatusEvent(id, 'L-rel', 'released', T0 + 60))).status).toBe(200);
      expect((await order('L-rel'))!.status).toBe('PROCESSING');
      expect(await ticket(id)).toMatchObject({ type: 'release', status: 'released', closed: true });
      expect((await history(orderId)).map((r) => [r.external_code, r.to_status])).toEqual([
        ['done', 'READY_TO_SHIP'],
        ['released', 'PROCESSING'],
      ]);
    });

    it('cancel: a cancel ticket withdraws an open ticket; its cancelled closes both and leaves the order alone', async () => {
      const orderId = await seedOrder('L-cancel', 'PROCESSING');
      const prep = await newTicket('prepare', 'L-cancel');
      const before = fake.to('/tickets').length;
      const res = await createTicket({ type: 'cancel', orderId: 'L-cancel', storeId: '1456', ticketId: prep, comment: 'Передумали' });
      expect(res.status).toBe(201);
      expect(
        fake
          .to('/tickets')
          .slice(before)
          .map((r) => r.body),
      ).toEqual([{ type: 'cancel', orderId: 'L-cancel', storeId: '1456', ticketId: prep, comment: 'Передумали' }]);
      const cancelId = res.body.ticket.imshopTicketId as string;
      expect(cancelId).not.toBe(prep);
      expect(await ticket(cancelId)).toMatchObject({ type: 'cancel', cancels_ticket_id: prep, closed: false });
      expect((await ticket(prep))!.cancel_requested_at).not.toBeNull();

      expect((await webhook(ticketStatusEvent(cancelId, 'L-cancel', 'cancelled', T0))).status).toBe(200);
      expect((await order('L-cancel'))!.status).toBe('PROCESSING');
      expect(await ticket(cancelId)).toMatchObject({ status: 'cancelled', closed: true });
      expect((await ticket(prep))!.closed).toBe(true);
      expect((await events(prep)).map((e) => [e.status, e.outcome, e.note])).toEqual([['cancelled', 'closed', `withdrawn by cancel ticket ${cancelId}`]]);
      expect((await history(orderId)).map((r) => [r.external_code, r.outcome])).toEqual([['cancelled', 'info']]);
    });

    it("cancel: IMSHOP's answer naming the withdrawn ticket itself closes it at once, and a later cancelled for it is accepted", async () => {
      await seedOrder('L-cancel2', 'PROCESSING');
      const prep = await newTicket('prepare', 'L-cancel2');
      fake.respond((req) => (req.path === '/tickets' ? { status: 200, body: { success: true, status: 'cancelled', ticketId: req.body.ticketId } } : undefined));
      const res = await createTicket({ type: 'cancel', orderId: 'L-cancel2', storeId: '1456', ticketId: prep });
      expect(res.status).toBe(201);
      expect(res.body.ticket).toMatchObject({ imshopTicketId: prep, type: 'prepare', closed: true });
      expect(res.body.imshop).toEqual({ success: true, status: 'cancelled', ticketId: prep });
      expect(await count(`imshop_tickets WHERE oms_order_number = 'L-cancel2'`)).toBe(1);
      // IMSHOP may then report the withdrawal under the ticket's own id: not valid for prepare, but we asked for it
      expect((await webhook(ticketStatusEvent(prep, 'L-cancel2', 'cancelled', T0))).status).toBe(200);
      expect((await order('L-cancel2'))!.status).toBe('PROCESSING');
    });
  });

  describe('tickets we did not create', () => {
    it('failed of an unknown ticket is recorded and changes nothing (not even creating the order)', async () => {
      const orderId = await seedOrder('U-1', 'PROCESSING');
      const res = await webhook(ticketStatusEvent('rsp-unknown-1', 'U-1', 'failed', T0));
      expect(res.status).toBe(200);
      expect(await ticket('rsp-unknown-1')).toMatchObject({ type: null, created_by_us: false, status: 'failed', order_id: orderId, oms_order_number: 'U-1' });
      expect((await events('rsp-unknown-1')).map((e) => e.outcome)).toEqual(['recorded']);
      expect((await order('U-1'))!.status).toBe('PROCESSING');
      expect(await history(orderId)).toEqual([]);

      expect((await webhook(ticketStatusEvent('rsp-unknown-2', 'U-nope', 'failed', T0))).status).toBe(200);
      expect(await order('U-nope')).toBeUndefined();
      expect((await ticket('rsp-unknown-2'))!.order_id).toBeNull();
    });

    it('an unknown ticket with a status only one type has is applied, and the type is remembered', async () => {
      await seedOrder('U-2', 'READY_TO_SHIP');
      expect((await webhook(ticketStatusEvent('rsp-unknown-3', 'U-2', 'shipped', T0, { metadata: { deliveryTrackingNumber: 'TRK-9' } }))).status).toBe(200);
      expect(await order('U-2')).toMatchObject({ status: 'SHIPPED', tracking_number: 'TRK-9' });
      expect(await ticket('rsp-unknown-3')).toMatchObject({ type: 'ship', created_by_us: false, closed: true });
    });

    it('an unknown ticket first seen with failed learns its type from a later unambiguous status', async () => {
      await seedOrder('U-3', 'PROCESSING');
      await webhook(ticketStatusEvent('rsp-unknown-4', 'U-3', 'advance', T0, { step: 's1' }));
      expect((await ticket('rsp-unknown-4'))!.type).toBeNull();
      await webhook(ticketStatusEvent('rsp-unknown-4', 'U-3', 'partiallyDone', T0 + 10));
      expect((await ticket('rsp-unknown-4'))!.type).toBe('prepare');
      expect((await order('U-3'))!.status).toBe('PARTIALLY_READY');
    });
  });

  describe('validation', () => {
    it('a status not valid for the ticket type is 400 naming both, and nothing is stored', async () => {
      await seedOrder('V-1', 'PROCESSING');
      const id = await newTicket('prepare', 'V-1');
      const before = await count('imshop_ticket_events');
      for (const status of ['shipped', 'somethingNew']) {
        const res = await webhook(ticketStatusEvent(id, 'V-1', status, T0));
        expect(res.status).toBe(400);
        expect(res.body.statusCode).toBe(400);
        expect(res.body.message).toHaveLength(1);
        expect(res.body.message[0]).toContain(`"${status}"`);
        expect(res.body.message[0]).toContain('prepare');
      }
      expect(await count('imshop_ticket_events')).toBe(before);
      expect(await ticket(id)).toMatchObject({ status: 'created', closed: false });
      expect((await order('V-1'))!.status).toBe('PROCESSING');
      expect(await history((await order('V-1'))!.id)).toEqual([]);
    });

    it('missing or mistyped fields are 400 naming each field', async () => {
      const before = await count('imshop_ticket_events');
      const res = await webhook({ orderId: 'V-2', status: 'done', metadata: { timestamp: 'yesterday' } });
      expect(res.status).toBe(400);
      expect(res.body.statusCode).toBe(400);
      expect(res.body.message).toEqual(
        expect.arrayContaining(['ticketId is required', 'storeId is required', expect.stringMatching(/^metadata\.timestamp must be a unix timestamp/)]),
      );
      expect((await webhook([1, 2])).status).toBe(400);
      expect(await count('imshop_ticket_events')).toBe(before);
      expect(await order('V-2')).toBeUndefined();
    });

    it('accepts the timestamp as a string or a number (same instant = same event), and the newer step and cart', async () => {
      await seedOrder('V-3', 'PROCESSING');
      const id = await newTicket('prepare', 'V-3');
      const asNumber = { ...ticketStatusEvent(id, 'V-3', 'done', T0), metadata: { timestamp: T0, cart: [{ configurationId: '12345', datamatrix: '0000' }] } };
      expect((await webhook(asNumber)).status).toBe(200);
      expect((await order('V-3'))!.status).toBe('READY_TO_SHIP');
      expect((await events(id))[0].event_at.toISOString()).toBe(new Date(T0 * 1000).toISOString());
      // The same event with the timestamp as a string is a repeat
      expect((await webhook(ticketStatusEvent(id, 'V-3', 'done', String(T0)))).status).toBe(200);
      expect(await events(id)).toHaveLength(1);
      expect((await events(id))[0].payload.metadata.cart).toEqual([{ configurationId: '12345', datamatrix: '0000' }]);
    });
  });

  describe('delivery semantics', () => {
    it('an exact repeat answers 200 and changes nothing', async () => {
      const orderId = await seedOrder('D-1', 'PROCESSING');
      const id = await newTicket('prepare', 'D-1');
      const event = ticketStatusEvent(id, 'D-1', 'done', T0);
      expect((await webhook(event)).body).toEqual({ success: true });
      const updatedAt = (await ticket(id))!.updated_at;
      expect((await webhook(event)).body).toEqual({ success: true });
      expect(await events(id)).toHaveLength(1);
      expect(await history(orderId)).toHaveLength(1);
      expect((await ticket(id))!.updated_at).toEqual(updatedAt);
    });

    it('concurrent re-deliveries of a first event of an unknown ticket store it once', async () => {
      const orderId = await seedOrder('D-3', 'PROCESSING');
      const event = ticketStatusEvent('rsp-race-1', 'D-3', 'done', T0);
      const answers = await Promise.all(Array.from({ length: 6 }, () => webhook(event)));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(await events('rsp-race-1')).toHaveLength(1);
      expect(await count(`imshop_tickets WHERE imshop_ticket_id = 'rsp-race-1'`)).toBe(1);
      expect((await history(orderId)).map((r) => r.to_status)).toEqual(['READY_TO_SHIP']);
    });

    it('an older ticket event does not move the order (recorded as stale), nor the ticket status', async () => {
      const orderId = await seedOrder('D-2', 'SHIPPED');
      const id = await newTicket('receive', 'D-2');
      await webhook(ticketStatusEvent(id, 'D-2', 'handedOver', T0 + 500));
      expect((await webhook(ticketStatusEvent(id, 'D-2', 'received', T0 + 100))).status).toBe(200);
      expect((await order('D-2'))!.status).toBe('DELIVERED');
      expect((await history(orderId)).map((r) => [r.external_code, r.outcome])).toEqual([
        ['handedOver', 'applied'],
        ['received', 'stale'],
      ]);
      expect(await ticket(id)).toMatchObject({ status: 'handedOver', closed: true });
      expect((await events(id)).map((e) => e.outcome)).toEqual(['applied', 'stale']);
    });
  });

  describe('authentication', () => {
    it('no key, a wrong Bearer or a wrong body key → 401 and nothing stored', async () => {
      await seedOrder('A-1', 'PROCESSING');
      const before = await count('imshop_ticket_events');
      const tickets = await count('imshop_tickets');
      const event = ticketStatusEvent('rsp-auth-1', 'A-1', 'done', T0);
      expect((await webhook(event, null)).status).toBe(401);
      expect((await webhook(event, 'Bearer wrong-key')).status).toBe(401);
      expect((await webhook(event, `Basic ${IMSHOP_KEY}`)).status).toBe(401);
      expect((await webhook({ ...event, key: 'wrong-key' }, null)).status).toBe(401);
      expect(await count('imshop_ticket_events')).toBe(before);
      expect(await count('imshop_tickets')).toBe(tickets);
      expect((await order('A-1'))!.status).toBe('PROCESSING');
    });

    it('the key in the body works, and is never stored', async () => {
      await seedOrder('A-2', 'PROCESSING');
      const res = await webhook({ ...ticketStatusEvent('rsp-auth-2', 'A-2', 'done', T0), key: IMSHOP_KEY }, null);
      expect(res.status).toBe(200);
      expect((await order('A-2'))!.status).toBe('READY_TO_SHIP');
      const [event] = await events('rsp-auth-2');
      expect(event.payload).not.toHaveProperty('key');
      expect(event.payload.ticketId).toBe('rsp-auth-2');
      const rows = await history((await order('A-2'))!.id);
      expect(JSON.stringify(rows[0].payload)).not.toContain(IMSHOP_KEY);
    });

    it('POST /tickets and the admin listing need the admin key', async () => {
      expect((await t.http().post('/tickets').send({ type: 'receive', orderId: 'A-3', storeId: '1' })).status).toBe(401);
      expect(
        (await t.http().post('/tickets').set('Authorization', `Bearer ${IMSHOP_KEY}`).send({ type: 'receive', orderId: 'A-3', storeId: '1' })).status,
      ).toBe(401);
      expect((await t.http().get('/admin/tickets')).status).toBe(401);
      expect(fake.to('/tickets').filter((r) => r.body?.orderId === 'A-3')).toEqual([]);
    });
  });

  describe('POST /tickets failures', () => {
    it('a ticket IMSHOP refuses is 502 naming its error, and nothing is stored', async () => {
      const tickets = await count('imshop_tickets');
      fake.respond((req) =>
        req.path === '/tickets' ? { status: 200, body: { success: false, errorCode: 'STORE_NOT_FOUND', errorMessage: 'Магазин 999 не найден' } } : undefined,
      );
      const refused = await createTicket({ type: 'prepare', orderId: 'F-1', storeId: '999' });
      expect(refused.status).toBe(502);
      expect(refused.body.message).toContain('STORE_NOT_FOUND');
      expect(refused.body.message).toContain('Магазин 999 не найден');

      fake.respond((req) => (req.path === '/tickets' ? { status: 500, body: { error: 'boom' } } : undefined));
      const broken = await createTicket({ type: 'prepare', orderId: 'F-1', storeId: '999' });
      expect(broken.status).toBe(502);
      expect(broken.body.message).toContain('500');

      fake.respond((req) => (req.path === '/tickets' ? { status: 403, body: { success: false, errorCode: 'BAD_TOKEN' } } : undefined));
      const forbidden = await createTicket({ type: 'prepare', orderId: 'F-1', storeId: '999' });
      expect(forbidden.status).toBe(502);
      expect(forbidden.body.message).toContain('403');
      expect(forbidden.body.message).toContain('BAD_TOKEN');

      expect(await count('imshop_tickets')).toBe(tickets);
    });

    it('an invalid ticket request is 400 naming the fields and never reaches IMSHOP', async () => {
      const before = fake.to('/tickets').length;
      const res = await createTicket({ type: 'cancel', orderId: 'F-2' });
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(['storeId is required', expect.stringMatching(/^ticketId is required when type is cancel/)]);
      expect(fake.to('/tickets').length).toBe(before);
    });
  });

  describe('admin', () => {
    it('lists tickets by order, type and status, and shows one with its events', async () => {
      const orderId = await seedOrder('M-1', 'PROCESSING');
      const prep = await newTicket('prepare', 'M-1');
      await newTicket('receive', 'M-1');
      await webhook(ticketStatusEvent(prep, 'M-1', 'done', T0));

      const all = await t.http().get('/admin/tickets').query({ orderId: 'M-1' }).set('X-Api-Key', ADMIN_KEY);
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ total: 2, page: 1, limit: 50 });
      const byOurId = await t.http().get('/admin/tickets').query({ orderId, type: 'prepare' }).set('X-Api-Key', ADMIN_KEY);
      expect(byOurId.body.items.map((i: any) => i.imshopTicketId)).toEqual([prep]);
      const byStatus = await t.http().get('/admin/tickets').query({ orderId: 'M-1', status: 'created' }).set('X-Api-Key', ADMIN_KEY);
      expect(byStatus.body.items.map((i: any) => i.type)).toEqual(['receive']);
      const open = await t.http().get('/admin/tickets').query({ orderId: 'M-1', closed: 'false' }).set('X-Api-Key', ADMIN_KEY);
      expect(open.body.total).toBe(1);
      const paged = await t.http().get('/admin/tickets').query({ orderId: 'M-1', limit: 1, page: 2 }).set('X-Api-Key', ADMIN_KEY);
      expect(paged.body).toMatchObject({ total: 2, page: 2, limit: 1 });
      expect(paged.body.items).toHaveLength(1);
      expect((await t.http().get('/admin/tickets').query({ type: 'bogus' }).set('X-Api-Key', ADMIN_KEY)).status).toBe(400);

      const one = await t.http().get(`/admin/tickets/${prep}`).set('X-Api-Key', ADMIN_KEY);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ imshopTicketId: prep, status: 'done', closed: true });
      expect(one.body.events).toEqual([expect.objectContaining({ status: 'done', outcome: 'applied' })]);
      const sameById = await t.http().get(`/admin/tickets/${one.body.id}`).set('X-Api-Key', ADMIN_KEY);
      expect(sameById.body.imshopTicketId).toBe(prep);
      expect((await t.http().get('/admin/tickets/rsp-nope').set('X-Api-Key', ADMIN_KEY)).status).toBe(404);
    });
  });
});

describe('IMSHOP tickets without IMSHOP configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ MARKET_ALLOWED_CIDRS: '*' });
  });
  afterAll(() => t?.close());

  it('POST /tickets is 503 and stores nothing; the webhook refuses every call', async () => {
    const res = await t.http().post('/tickets').set('X-Api-Key', ADMIN_KEY).send({ type: 'receive', orderId: 'N-1', storeId: '1' });
    expect(res.status).toBe(503);
    expect(res.body.message).toContain('IMSHOP_TICKETS_URL');
    expect((await t.db.query('SELECT count(*)::int AS n FROM imshop_tickets'))[0].n).toBe(0);
    const hook = await t
      .http()
      .post('/imshop/tickets/status')
      .set('Authorization', 'Bearer anything')
      .send({ ticketId: 'x', orderId: 'N-1', storeId: '1', status: 'done' });
    expect(hook.status).toBe(401);
  });
});

describe('IMSHOP ticket webhooks in a concurrent burst', () => {
  let t: TestApp;
  let fake: FakeImshop;
  /** The app's JSON log lines. */
  const logs: any[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const at = (seconds: number) => new Date(seconds * 1000).toISOString();
  const byKey = <T>(rows: T[], key: (row: T) => string) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

  beforeAll(async () => {
    fake = await startFakeImshop();
    t = await startTestApp(
      {
        IMSHOP_API_KEY: IMSHOP_KEY,
        IMSHOP_TICKETS_URL: `${fake.url}/tickets`,
        IMSHOP_STATUS_URL: `${fake.url}/statuses`,
        MARKET_ALLOWED_CIDRS: '*',
        LOG_LEVEL: 'info',
      },
      undefined,
      { logDestination: logStream },
    );
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('answers and stores each webhook as if it had had a transaction of its own', async () => {
    // Concurrent webhooks share transactions (group commit), invalid ones among them: this may change
    // nothing that a webhook answers or writes.
    const K = 12;
    const ks = Array.from({ length: K }, (_, k) => k);
    const seed = (omsOrderNumber: string, status: string) =>
      t.db.query(`INSERT INTO orders (oms_order_number, status, version) VALUES ($1, $2, 1)`, [omsOrderNumber, status]);
    const create = async (ticketId: string, body: Record<string, unknown>) => {
      fake.respond((req) => (req.path === '/tickets' ? { status: 200, body: { success: true, status: 'created', ticketId } } : undefined));
      expect(
        (
          await t
            .http()
            .post('/tickets')
            .set('X-Api-Key', ADMIN_KEY)
            .send({ storeId: '1456', ...body })
        ).status,
      ).toBe(201);
    };
    for (const k of ks) {
      await seed(`GC-P-${k}`, 'PROCESSING');
      await create(`rsp-gc-p-${k}`, { type: 'prepare', orderId: `GC-P-${k}` });
      await seed(`GC-S-${k}`, 'READY_TO_SHIP');
      await seed(`GC-W-${k}`, 'PROCESSING');
      await create(`rsp-gc-w-${k}`, { type: 'prepare', orderId: `GC-W-${k}` });
      await create(`rsp-gc-c-${k}`, { type: 'cancel', orderId: `GC-W-${k}`, ticketId: `rsp-gc-w-${k}` });
    }
    fake.respond(() => undefined);

    const invalid = (ticketId: string) =>
      `status "shipped" is not valid for ticket ${ticketId} of type prepare (valid for prepare: done, failed, partiallyDone, not-accepted, timeout, advance)`;
    /** Every webhook twice (an exact repeat), each with the answer it must get. */
    const planned: { body: ReturnType<typeof ticketStatusEvent>; status: number; answer: unknown }[] = [];
    const twice = (body: ReturnType<typeof ticketStatusEvent>, error?: string) => {
      const expected = error
        ? { status: 400, answer: { statusCode: 400, error: 'Bad Request', message: [error] } }
        : { status: 200, answer: { success: true } };
      planned.push({ body, ...expected }, { body, ...expected });
    };
    for (const k of ks) {
      // Our prepare ticket: two steps, a status of another type (400) and done, all at once.
      twice(ticketStatusEvent(`rsp-gc-p-${k}`, `GC-P-${k}`, 'advance', T0 + k, { step: 'pick' }));
      twice(ticketStatusEvent(`rsp-gc-p-${k}`, `GC-P-${k}`, 'advance', T0 + k + 10, { step: 'pack' }));
      if (k < 4) twice(ticketStatusEvent(`rsp-gc-p-${k}`, `GC-P-${k}`, 'shipped', T0 + k + 30), invalid(`rsp-gc-p-${k}`));
      twice(ticketStatusEvent(`rsp-gc-p-${k}`, `GC-P-${k}`, 'done', T0 + k + 60));
      // Tickets we never heard of: of a known order, of an order we do not have, of an order it creates.
      twice(ticketStatusEvent(`rsp-gc-s-${k}`, `GC-S-${k}`, 'shipped', T0 + k, { metadata: { deliveryTrackingNumber: `TRK-${k}` } }));
      twice(ticketStatusEvent(`rsp-gc-f-${k}`, `GC-F-${k}`, 'failed', T0 + k));
      twice(ticketStatusEvent(`rsp-gc-n-${k}`, `GC-N-${k}`, 'shipped', T0 + k));
      // A cancel ticket's success closes the ticket it withdraws, which has a status of its own in the burst.
      twice(ticketStatusEvent(`rsp-gc-w-${k}`, `GC-W-${k}`, 'advance', T0 + k, { step: 'pick' }));
      twice(ticketStatusEvent(`rsp-gc-c-${k}`, `GC-W-${k}`, 'cancelled', T0 + k + 5));
    }
    const burst = planned
      .map((entry, i) => ({ ...entry, rank: (i * 7919) % planned.length }))
      .sort((a, b) => a.rank - b.rank)
      .map((entry, i) => ({ ...entry, requestId: `gc-${i}` }));
    expect(burst).toHaveLength(200);

    const answers = await Promise.all(
      burst.map(({ body, requestId }) =>
        t.http().post('/imshop/tickets/status').set('Authorization', `Bearer ${IMSHOP_KEY}`).set('X-Request-Id', requestId).send(body),
      ),
    );
    expect(answers.map((res) => [res.headers['x-request-id'], res.status, res.body])).toEqual(burst.map((e) => [e.requestId, e.status, e.answer]));

    // The burst did share transactions, else this test would prove nothing (rows carry their transaction's id, xmin).
    const [{ shared }] = await t.db.query(
      `SELECT max(n)::int AS shared FROM (SELECT count(*) AS n FROM imshop_ticket_events e JOIN imshop_tickets t ON t.id = e.ticket_id
       WHERE t.imshop_ticket_id LIKE 'rsp-gc-%' GROUP BY e.xmin::text) per_transaction`,
    );
    expect(shared).toBeGreaterThanOrEqual(5);

    const events = await t.db.query(
      `SELECT t.imshop_ticket_id AS ticket, e.status, e.step, e.outcome, e.event_at, e.note, e.dedupe_key, e.payload
       FROM imshop_ticket_events e JOIN imshop_tickets t ON t.id = e.ticket_id WHERE t.imshop_ticket_id LIKE 'rsp-gc-%'`,
    );
    const withdrawnNote = (k: number) => `withdrawn by cancel ticket rsp-gc-c-${k}`;
    const recordedNote = 'ticket type unknown (not created by us, status fits several types or none): order left as it is';
    const expectedEvents = ks.flatMap((k) => [
      { ticket: `rsp-gc-p-${k}`, status: 'advance', step: 'pick', outcome: 'info', at: at(T0 + k), note: null },
      { ticket: `rsp-gc-p-${k}`, status: 'advance', step: 'pack', outcome: 'info', at: at(T0 + k + 10), note: null },
      { ticket: `rsp-gc-p-${k}`, status: 'done', step: null, outcome: 'applied', at: at(T0 + k + 60), note: null },
      { ticket: `rsp-gc-s-${k}`, status: 'shipped', step: null, outcome: 'applied', at: at(T0 + k), note: null },
      { ticket: `rsp-gc-f-${k}`, status: 'failed', step: null, outcome: 'recorded', at: at(T0 + k), note: recordedNote },
      { ticket: `rsp-gc-n-${k}`, status: 'shipped', step: null, outcome: 'applied', at: at(T0 + k), note: null },
      { ticket: `rsp-gc-w-${k}`, status: 'advance', step: 'pick', outcome: 'info', at: at(T0 + k), note: null },
      { ticket: `rsp-gc-w-${k}`, status: 'cancelled', step: null, outcome: 'closed', at: at(T0 + k + 5), note: withdrawnNote(k) },
      { ticket: `rsp-gc-c-${k}`, status: 'cancelled', step: null, outcome: 'info', at: at(T0 + k + 5), note: null },
    ]);
    const eventKey = (e: { ticket: string; status: string; step: string | null }) => `${e.ticket}|${e.status}|${e.step}`;
    expect(
      byKey(
        events.map((e: any) => ({ ticket: e.ticket, status: e.status, step: e.step, outcome: e.outcome, at: e.event_at.toISOString(), note: e.note })),
        eventKey,
      ),
    ).toEqual(byKey(expectedEvents, eventKey));
    // each stored payload is its own webhook's
    for (const e of events.filter((row: any) => row.payload !== null)) {
      expect(e.payload).toEqual(
        burst.find(({ body }) => body.ticketId === e.ticket && body.status === e.status && (body as any).step === (e.step ?? undefined))!.body,
      );
    }

    const tickets = await t.db.query(
      `SELECT t.imshop_ticket_id AS ticket, t.type, t.created_by_us, t.oms_order_number, o.oms_order_number AS order_number, t.status, t.status_at,
         t.closed, t.tracking_number FROM imshop_tickets t LEFT JOIN orders o ON o.id = t.order_id WHERE t.imshop_ticket_id LIKE 'rsp-gc-%'`,
    );
    const ticketRow = (
      ticket: string,
      type: string | null,
      createdByUs: boolean,
      order: string,
      ordered: boolean,
      status: string,
      statusAt: number,
      closed: boolean,
      tracking: string | null = null,
    ) => ({
      ticket,
      type,
      created_by_us: createdByUs,
      oms_order_number: order,
      order_number: ordered ? order : null,
      status,
      status_at: at(statusAt),
      closed,
      tracking_number: tracking,
    });
    expect(
      byKey(
        tickets.map((row: any) => ({ ...row, status_at: row.status_at.toISOString() })),
        (row: any) => row.ticket,
      ),
    ).toEqual(
      byKey(
        ks.flatMap((k) => [
          ticketRow(`rsp-gc-p-${k}`, 'prepare', true, `GC-P-${k}`, true, 'done', T0 + k + 60, true),
          ticketRow(`rsp-gc-s-${k}`, 'ship', false, `GC-S-${k}`, true, 'shipped', T0 + k, true, `TRK-${k}`),
          ticketRow(`rsp-gc-f-${k}`, null, false, `GC-F-${k}`, false, 'failed', T0 + k, false),
          ticketRow(`rsp-gc-n-${k}`, 'ship', false, `GC-N-${k}`, true, 'shipped', T0 + k, true),
          ticketRow(`rsp-gc-w-${k}`, 'prepare', true, `GC-W-${k}`, true, 'advance', T0 + k, true),
          ticketRow(`rsp-gc-c-${k}`, 'cancel', true, `GC-W-${k}`, true, 'cancelled', T0 + k + 5, true),
        ]),
        (row) => row.ticket,
      ),
    );

    const orders = await t.db.query(
      `SELECT oms_order_number AS number, status, status_event_at, tracking_number FROM orders WHERE oms_order_number LIKE 'GC-%'`,
    );
    expect(
      byKey(
        orders.map((o: any) => ({ ...o, status_event_at: o.status_event_at?.toISOString() ?? null })),
        (o: any) => o.number,
      ),
    ).toEqual(
      byKey(
        ks.flatMap((k) => [
          { number: `GC-P-${k}`, status: 'READY_TO_SHIP', status_event_at: at(T0 + k + 60), tracking_number: null },
          { number: `GC-S-${k}`, status: 'SHIPPED', status_event_at: at(T0 + k), tracking_number: `TRK-${k}` },
          { number: `GC-N-${k}`, status: 'SHIPPED', status_event_at: at(T0 + k), tracking_number: null },
          { number: `GC-W-${k}`, status: 'PROCESSING', status_event_at: null, tracking_number: null },
        ]),
        (o) => o.number,
      ),
    );

    // One history row per stored event that reached its order, with that event's key and outcome.
    const history = await t.db.query(
      `SELECT o.oms_order_number AS number, h.source, h.external_code AS code, h.outcome, h.to_status, h.event_at, e.outcome AS event_outcome
       FROM order_history h JOIN orders o ON o.id = h.order_id LEFT JOIN imshop_ticket_events e ON e.dedupe_key = h.dedupe_key
       WHERE o.oms_order_number LIKE 'GC-%'`,
    );
    const historyRow = (number: string, code: string, outcome: string, toStatus: string | null, eventAt: number) => ({
      number,
      source: 'imshop_ticket',
      code,
      outcome,
      to_status: toStatus,
      at: at(eventAt),
      event_outcome: outcome,
    });
    const historyKey = (h: { number: string; code: string; at: string }) => `${h.number}|${h.at}|${h.code}`;
    expect(
      byKey(
        history.map(({ event_at, ...h }: any) => ({ ...h, at: event_at.toISOString() })),
        historyKey,
      ),
    ).toEqual(
      byKey(
        ks.flatMap((k) => [
          historyRow(`GC-P-${k}`, 'advance', 'info', null, T0 + k),
          historyRow(`GC-P-${k}`, 'advance', 'info', null, T0 + k + 10),
          historyRow(`GC-P-${k}`, 'done', 'applied', 'READY_TO_SHIP', T0 + k + 60),
          historyRow(`GC-S-${k}`, 'shipped', 'applied', 'SHIPPED', T0 + k),
          historyRow(`GC-N-${k}`, 'shipped', 'applied', 'SHIPPED', T0 + k),
          historyRow(`GC-W-${k}`, 'advance', 'info', null, T0 + k),
          historyRow(`GC-W-${k}`, 'cancelled', 'info', null, T0 + k + 5),
        ]),
        historyKey,
      ),
    );

    // What each request reported to the metrics (its ticket's type and its own outcome).
    const metrics = (await t.http().get('/metrics').set('X-Api-Key', ADMIN_KEY)).text;
    const counted = Object.fromEntries(
      metrics
        .split('\n')
        .filter((line) => line.startsWith('order_sync_webhook_requests_total{') && line.includes('endpoint="imshop_ticket"'))
        .map((line) => [`${/type="([^"]*)"/.exec(line)![1]} ${/outcome="([^"]*)"/.exec(line)![1]}`, Number(line.split(' ').at(-1))]),
    );
    expect(counted).toEqual({
      'prepare info': 3 * K,
      'prepare applied': K,
      'prepare duplicate': 4 * K,
      '- http_400': 8,
      'ship applied': 2 * K,
      'ship duplicate': 2 * K,
      'unknown recorded': K,
      'unknown duplicate': K,
      'cancel info': K,
      'cancel duplicate': K,
    });

    // The IMSHOP status push of each order change is logged under the request that carried the change.
    const deliveries = await t.db.query(
      `SELECT d.id, o.oms_order_number AS number FROM deliveries d JOIN orders o ON o.id = d.order_id WHERE o.oms_order_number LIKE 'GC-%' AND d.target = 'imshop'`,
    );
    expect(deliveries.map((d: any) => d.number).sort()).toEqual(ks.flatMap((k) => [`GC-P-${k}`, `GC-S-${k}`, `GC-N-${k}`]).sort());
    for (const { id, number } of deliveries) {
      const line = await eventually(async () => logs.find((l) => l.msg?.startsWith(`delivery ${id} to imshop, attempt 1: sent`)));
      const carriers = burst.filter(({ body, status }) => body.orderId === number && status === 200 && ['done', 'shipped'].includes(body.status));
      expect(carriers).toHaveLength(2);
      expect(carriers.map((c) => c.requestId)).toContain(line.requestId);
    }
  });

  it('gives a batch the outcome of its webhooks one at a time, in the order it handles them', async () => {
    // The same story twice under different ids: once one webhook at a time, once as one batch (held back
    // until all of it is queued). Order-dependent on purpose: types learnt mid-batch, an order created by
    // one webhook and looked up by a later one, stale and repeated events, a withdrawal.
    const intake = (t.app.get(TicketIntakeService) as any).intake as { waiting: unknown[]; inFlight: number };
    const setUp = async (p: string) => {
      for (const [number, status] of [
        [`${p}-o1`, 'PROCESSING'],
        [`${p}-o3`, 'SHIPPED'],
        [`${p}-o4`, 'PROCESSING'],
        [`${p}-o5`, 'PROCESSING'],
      ]) {
        await t.db.query(`INSERT INTO orders (oms_order_number, status, version) VALUES ($1, $2, 1)`, [number, status]);
      }
      for (const [ticketId, body] of [
        [`${p}-r`, { type: 'receive', orderId: `${p}-o3` }],
        [`${p}-w`, { type: 'prepare', orderId: `${p}-o4` }],
        [`${p}-c`, { type: 'cancel', orderId: `${p}-o4`, ticketId: `${p}-w` }],
        [`${p}-x`, { type: 'prepare', orderId: `${p}-o5` }],
      ] as const) {
        fake.respond((req) => (req.path === '/tickets' ? { status: 200, body: { success: true, status: 'created', ticketId } } : undefined));
        expect(
          (
            await t
              .http()
              .post('/tickets')
              .set('X-Api-Key', ADMIN_KEY)
              .send({ storeId: '1456', ...body })
          ).status,
        ).toBe(201);
      }
      fake.respond(() => undefined);
      await t.db.query('UPDATE imshop_tickets SET cancel_requested_at = now() WHERE imshop_ticket_id = $1', [`${p}-x`]);
      const ev = (ticket: string, order: string, status: string, at: number, extra: Record<string, unknown> = {}) =>
        ticketStatusEvent(`${p}-${ticket}`, `${p}-${order}`, status, at, extra);
      const story = [
        ev('u1', 'o1', 'advance', T0, { step: 's1' }),
        ev('u1', 'o1', 'failed', T0 + 1),
        ev('u1', 'o1', 'done', T0 + 2, { metadata: { unavailableItems: [{ configurationId: 'c-1', quantity: 1 }] } }),
        ev('u1', 'o1', 'done', T0 + 2, { metadata: { unavailableItems: [{ configurationId: 'c-1', quantity: 1 }] } }),
        ev('u1', 'o1', 'failed', T0 + 3),
        ev('u1', 'o1', 'shipped', T0 + 4),
        ev('t1', 'o2', 'failed', T0),
        ev('t2', 'o2', 'advance', T0, { step: 'x' }),
        ev('t2', 'o2', 'shipped', T0 + 1, { metadata: { deliveryTrackingNumber: 'TRK-2', deliveryOrderId: 'W-2' } }),
        ev('t2', 'o2', 'advance', T0 + 2, { step: 'y' }),
        ev('t3', 'o2', 'failed', T0 + 3),
        ev('r', 'o3', 'handedOver', T0 + 500),
        ev('r', 'o3', 'received', T0 + 100, { metadata: { deliveryTrackingNumber: 'TRK-3' } }),
        ev('r', 'o3', 'handedOver', T0 + 500),
        ev('c', 'o4', 'cancelled', T0 + 5),
        ev('w', 'o4', 'advance', T0 + 1, { step: 's' }),
        ev('x', 'o5', 'cancelled', T0 + 6),
      ];
      // already in the order a batch handles them (order number, ticket id, arrival)
      const key = (e: { orderId: string; ticketId: string }) => `${e.orderId} ${e.ticketId}`;
      expect(story.map(key)).toEqual([...story].map(key).sort());
      return story;
    };
    const rows = async (p: string) => {
      const result = {
        tickets: await t.db.query(
          `SELECT t.imshop_ticket_id, t.type, t.status, t.status_at, t.closed, t.unavailable_items, t.tracking_number, t.delivery_order_id, o.oms_order_number AS order_number
           FROM imshop_tickets t LEFT JOIN orders o ON o.id = t.order_id WHERE t.imshop_ticket_id LIKE $1 ORDER BY t.imshop_ticket_id`,
          [`${p}-%`],
        ),
        events: await t.db.query(
          `SELECT t.imshop_ticket_id, e.status, e.step, e.event_at, e.outcome, e.note, e.dedupe_key FROM imshop_ticket_events e JOIN imshop_tickets t ON t.id = e.ticket_id
           WHERE t.imshop_ticket_id LIKE $1 ORDER BY t.imshop_ticket_id, e.id`,
          [`${p}-%`],
        ),
        orders: await t.db.query(
          `SELECT oms_order_number, status, status_event_at, tracking_number, version FROM orders WHERE oms_order_number LIKE $1 ORDER BY oms_order_number`,
          [`${p}-%`],
        ),
        history: await t.db.query(
          `SELECT o.oms_order_number, h.external_code, h.outcome, h.from_status, h.to_status, h.event_at, h.note, h.dedupe_key FROM order_history h JOIN orders o ON o.id = h.order_id
           WHERE o.oms_order_number LIKE $1 ORDER BY o.oms_order_number, h.id`,
          [`${p}-%`],
        ),
      };
      return JSON.parse(JSON.stringify(result).replaceAll(p, 'P'));
    };
    const post = (body: object) => t.http().post('/imshop/tickets/status').set('Authorization', `Bearer ${IMSHOP_KEY}`).send(body);
    const answer = (res: { status: number; body: unknown }) => JSON.parse(JSON.stringify([res.status, res.body]).replace(/seq(one|all)/g, 'P'));

    const single = await setUp('seqone');
    const singleAnswers = [];
    for (const body of single) singleAnswers.push(answer(await post(body)));
    expect(singleAnswers.map(([status]) => status)).toEqual([...Array(5).fill(200), 400, ...Array(11).fill(200)]);

    const batched = await setUp('seqall');
    // Both group commit slots held by webhooks waiting on a lock of ours, while the story queues up behind them.
    await t.db.query(
      `INSERT INTO imshop_tickets (imshop_ticket_id, oms_order_number, store_id) VALUES ('batch-hold-1', 'batch-hold', '1'), ('batch-hold-2', 'batch-hold', '1')`,
    );
    const holder = t.db.createQueryRunner();
    await holder.startTransaction();
    await holder.query(`SELECT 1 FROM imshop_tickets WHERE imshop_ticket_id LIKE 'batch-hold-%' FOR UPDATE`);
    const held = ['batch-hold-1', 'batch-hold-2'].map((id) => post(ticketStatusEvent(id, 'batch-hold', 'failed', T0)).then((res) => res));
    await eventually(async () => intake.inFlight === 2, 10_000, 5);
    const answers: Promise<unknown>[] = [];
    for (const body of batched) {
      answers.push(post(body).then(answer));
      await eventually(async () => intake.waiting.length === answers.length, 10_000, 5);
    }
    await holder.commitTransaction();
    await holder.release();
    expect(await Promise.all(answers)).toEqual(singleAnswers);
    expect((await Promise.all(held)).map((res) => res.status)).toEqual([200, 200]);
    const [{ transactions }] = await t.db.query(
      `SELECT count(DISTINCT e.xmin::text)::int AS transactions FROM imshop_ticket_events e JOIN imshop_tickets t ON t.id = e.ticket_id WHERE t.imshop_ticket_id LIKE 'seqall-%'`,
    );
    expect(transactions).toBe(1);

    expect(await rows('seqall')).toEqual(await rows('seqone'));
  });
});
