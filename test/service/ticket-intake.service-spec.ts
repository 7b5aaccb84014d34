import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvalidInputError } from '../../src/common/domain-error';
import { TicketCreationService } from '../../src/imshop-tickets/ticket-creation.service';
import { TicketStatusInvalidForType } from '../../src/imshop-tickets/ticket-errors';
import { TicketIntakeService } from '../../src/imshop-tickets/ticket-intake.service';
import { eventually, startFakePeer, type FakePeer } from '../support/fake-http-peer';
import { T0, ticketStatusEvent } from '../support/ticket-status-event';
import { startServices, type ServiceContext } from './service-context';

/** The ticket status webhook without HTTP: what one stores, what a repeat and a refusal leave, and a batch's transaction. */
describe('TicketIntakeService', () => {
  let ctx: ServiceContext;
  let imshop: FakePeer;
  let n = 0;
  const unique = (name: string) => `SVC-${name}-${++n}-${Date.now()}`;

  const newOrder = async (status = 'PROCESSING') => {
    const number = unique('order');
    const [{ id }] = await ctx.db.query(`INSERT INTO orders (oms_order_number, status, version) VALUES ($1, $2, 1) RETURNING id`, [number, status]);
    return { number, id: id as string };
  };
  /** A ticket of ours, created through IMSHOP (the fake one) so its type is known. */
  const ourTicket = async (type: string, orderNumber: string) => {
    const ticketId = unique(`rsp-${type}`);
    imshop.respond(() => ({ status: 200, body: { success: true, status: 'created', ticketId } }));
    await ctx.get(TicketCreationService).create({ type, orderId: orderNumber, storeId: '1456' });
    return ticketId;
  };
  const ticketRow = async (ticketId: string) => (await ctx.db.query('SELECT * FROM imshop_tickets WHERE imshop_ticket_id = $1', [ticketId]))[0];
  const eventsOf = (ticketId: string) =>
    ctx.db.query(
      `SELECT e.status, e.outcome, e.note, e.dedupe_key, e.payload, e.xmin::text AS tx FROM imshop_ticket_events e JOIN imshop_tickets t ON t.id = e.ticket_id
       WHERE t.imshop_ticket_id = $1 ORDER BY e.id`,
      [ticketId],
    );
  const orderOf = async (number: string) => (await ctx.db.query('SELECT id, status, version FROM orders WHERE oms_order_number = $1', [number]))[0];
  const historyOf = (number: string) =>
    ctx.db.query(
      `SELECT h.source, h.outcome, h.from_status, h.to_status, h.external_code, h.dedupe_key, h.xmin::text AS tx FROM order_history h JOIN orders o ON o.id = h.order_id
       WHERE o.oms_order_number = $1 ORDER BY h.id`,
      [number],
    );

  beforeAll(async () => {
    imshop = await startFakePeer();
    ctx = await startServices({ IMSHOP_API_KEY: 'svc-imshop-key-0123456789', IMSHOP_TICKETS_URL: `${imshop.url}/tickets` });
  });
  afterAll(async () => {
    await ctx.close();
    await imshop.close();
  });

  it('stores the status with its effect on the ticket, its event and the order, before it answers', async () => {
    const order = await newOrder();
    const ticketId = await ourTicket('prepare', order.number);

    const receipt = await ctx.get(TicketIntakeService).receiveStatus({ key: 'never-stored', ...ticketStatusEvent(ticketId, order.number, 'done', T0) });

    expect(receipt).toMatchObject({
      duplicate: false,
      outcome: 'applied',
      ticket: { imshopTicketId: ticketId, type: 'prepare', status: 'done', closed: true, orderId: order.id },
    });
    expect(await ticketRow(ticketId)).toMatchObject({
      type: 'prepare',
      status: 'done',
      status_at: new Date(T0 * 1000),
      closed: true,
      order_id: order.id,
      created_by_us: true,
    });
    const key = `imshop_ticket:${ticketId}|done|${T0 * 1000}`;
    const [event] = await eventsOf(ticketId);
    expect(event).toMatchObject({ status: 'done', outcome: 'applied', dedupe_key: key });
    expect(event.payload).toEqual(ticketStatusEvent(ticketId, order.number, 'done', T0));
    expect(await orderOf(order.number)).toMatchObject({ status: 'READY_TO_SHIP', version: 2 });
    expect((await historyOf(order.number)).map(({ tx: _tx, ...row }: Record<string, unknown>) => row)).toEqual([
      { source: 'imshop_ticket', outcome: 'applied', from_status: 'PROCESSING', to_status: 'READY_TO_SHIP', external_code: 'done', dedupe_key: key },
    ]);
    // The event, its order change and the ticket were written by one transaction.
    expect((await historyOf(order.number))[0].tx).toBe(event.tx);
  });

  it('records the status of a ticket we do not know, and leaves the order alone when the status names no type', async () => {
    const order = await newOrder();
    const ticketId = unique('rsp-theirs');
    const receipt = await ctx.get(TicketIntakeService).receiveStatus(ticketStatusEvent(ticketId, order.number, 'failed', T0));
    expect(receipt).toMatchObject({ duplicate: false, outcome: 'recorded', ticket: { type: null, status: 'failed', createdByUs: false, orderId: order.id } });
    expect(await ticketRow(ticketId)).toMatchObject({ type: null, status: 'failed', created_by_us: false, order_id: order.id, closed: false });
    expect((await eventsOf(ticketId)).map((e: any) => e.outcome)).toEqual(['recorded']);
    expect(await orderOf(order.number)).toMatchObject({ status: 'PROCESSING', version: 1 });
    expect(await historyOf(order.number)).toEqual([]);
  });

  it('answers a repeat as a duplicate and changes nothing', async () => {
    const order = await newOrder();
    const ticketId = await ourTicket('ship', order.number);
    const intake = ctx.get(TicketIntakeService);
    const body = ticketStatusEvent(ticketId, order.number, 'shipped', T0, { metadata: { deliveryTrackingNumber: 'TRK-1' } });
    expect(await intake.receiveStatus(body)).toMatchObject({ duplicate: false, outcome: 'applied' });
    const before = {
      ticket: await ticketRow(ticketId),
      events: await eventsOf(ticketId),
      order: await orderOf(order.number),
      history: await historyOf(order.number),
    };

    expect(await intake.receiveStatus(body)).toMatchObject({ duplicate: true, outcome: 'duplicate', ticket: { status: 'shipped', trackingNumber: 'TRK-1' } });
    // The same event with the timestamp as a number, and in milliseconds, is the same event.
    expect(await intake.receiveStatus({ ...body, metadata: { ...body.metadata, timestamp: T0 * 1000 } })).toMatchObject({ duplicate: true });

    expect({
      ticket: await ticketRow(ticketId),
      events: await eventsOf(ticketId),
      order: await orderOf(order.number),
      history: await historyOf(order.number),
    }).toEqual(before);
    expect(before.order).toMatchObject({ status: 'SHIPPED', version: 2 });
  });

  it("refuses a status its ticket's type does not have with TicketStatusInvalidForType, and stores nothing of it", async () => {
    const order = await newOrder();
    const ticketId = await ourTicket('prepare', order.number);
    const before = { ticket: await ticketRow(ticketId), events: await eventsOf(ticketId), order: await orderOf(order.number) };

    const refusal = await ctx
      .get(TicketIntakeService)
      .receiveStatus(ticketStatusEvent(ticketId, order.number, 'shipped', T0))
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TicketStatusInvalidForType);
    expect(refusal).toMatchObject({ kind: 'invalid', status: 'shipped', type: 'prepare', ticketId });
    expect((refusal as Error).message).toBe(
      `status "shipped" is not valid for ticket ${ticketId} of type prepare (valid for prepare: done, failed, partiallyDone, not-accepted, timeout, advance)`,
    );

    // A body that does not validate is refused before anything is looked at, naming its fields.
    const invalid = await ctx
      .get(TicketIntakeService)
      .receiveStatus({ ticketId, orderId: order.number, storeId: '1456', metadata: { timestamp: 'yesterday' } })
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(InvalidInputError);
    expect((invalid as InvalidInputError).messages).toEqual([
      'status is required',
      'metadata.timestamp must be a unix timestamp in seconds, as a number or a string of digits (e.g. "1591207746"), got "yesterday"',
    ]);

    expect({ ticket: await ticketRow(ticketId), events: await eventsOf(ticketId), order: await orderOf(order.number) }).toEqual(before);
    expect(await historyOf(order.number)).toEqual([]);
  });

  it('stores webhooks that arrive together in one transaction, each with the outcome it would have alone', async () => {
    const intake = ctx.get(TicketIntakeService);
    const slots = (intake as any).intake as { waiting: unknown[]; inFlight: number };
    const [a, b] = [await newOrder(), await newOrder('SHIPPED')];
    const prepare = await ourTicket('prepare', a.number);
    const receive = await ourTicket('receive', b.number);
    const theirs = unique('rsp-theirs');
    const batch = [
      ticketStatusEvent(prepare, a.number, 'advance', T0, { step: 'pack-order' }),
      ticketStatusEvent(prepare, a.number, 'done', T0 + 60),
      ticketStatusEvent(prepare, a.number, 'done', T0 + 60), // a repeat within the batch
      ticketStatusEvent(prepare, a.number, 'shipped', T0 + 61), // not a prepare status: refused, the batch goes on
      ticketStatusEvent(theirs, a.number, 'failed', T0 + 62),
      ticketStatusEvent(receive, b.number, 'received', T0 + 70),
      ticketStatusEvent(receive, b.number, 'handedOver', T0 + 80),
    ];

    // Both group commit slots held by webhooks waiting on a lock of ours, while the batch queues up behind them.
    const hold = [unique('hold'), unique('hold')];
    await ctx.db.query(`INSERT INTO imshop_tickets (imshop_ticket_id, oms_order_number, store_id) VALUES ($1, 'hold', '1'), ($2, 'hold', '1')`, hold);
    const holder = ctx.db.createQueryRunner();
    await holder.startTransaction();
    let held: Promise<unknown>[];
    let answers: Promise<unknown>[];
    try {
      await holder.query('SELECT 1 FROM imshop_tickets WHERE imshop_ticket_id = ANY($1) FOR UPDATE', [hold]);
      held = hold.map((id) => intake.receiveStatus(ticketStatusEvent(id, 'hold', 'failed', T0)));
      await eventually(async () => slots.inFlight === 2, 10_000, 5);
      answers = batch.map((body) => intake.receiveStatus(body).catch((error: unknown) => error));
      await eventually(async () => slots.waiting.length === batch.length, 10_000, 5);
    } finally {
      await holder.commitTransaction();
      await holder.release();
    }
    await Promise.all(held);
    const results = (await Promise.all(answers)) as any[];

    expect(results.map((r) => (r instanceof TicketStatusInvalidForType ? 'refused' : `${r.outcome}${r.duplicate ? ' (duplicate)' : ''}`))).toEqual([
      'info',
      'applied',
      'duplicate (duplicate)',
      'refused',
      'recorded',
      'applied',
      'applied',
    ]);
    expect(await orderOf(a.number)).toMatchObject({ status: 'READY_TO_SHIP' });
    expect(await orderOf(b.number)).toMatchObject({ status: 'DELIVERED' });
    expect(await ticketRow(prepare)).toMatchObject({ status: 'done', closed: true });
    expect(await ticketRow(receive)).toMatchObject({ status: 'handedOver', closed: true });
    expect(await ticketRow(theirs)).toMatchObject({ status: 'failed', type: null, order_id: a.id });

    // One transaction wrote every event of the batch and every order change it made; nothing of the refused one.
    const events = [...(await eventsOf(prepare)), ...(await eventsOf(theirs)), ...(await eventsOf(receive))];
    expect(events.map((e) => e.status)).toEqual(['advance', 'done', 'failed', 'received', 'handedOver']);
    const history = [...(await historyOf(a.number)), ...(await historyOf(b.number))];
    expect(history.map((h) => h.external_code)).toEqual(['advance', 'done', 'received', 'handedOver']);
    expect(new Set([...events, ...history].map((row) => row.tx)).size).toBe(1);
  });
});
