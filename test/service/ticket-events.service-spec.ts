import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TicketEventsService } from '../../src/imshop-tickets/ticket-events.service';
import { TicketIntakeService } from '../../src/imshop-tickets/ticket-intake.service';
import { startServices, type ServiceContext } from './service-context';

const T0 = 1_780_000_000;

/** The stored ticket events after intake: replayed by the live rules, selected for a replay, deleted by retention. */
describe('TicketEventsService', () => {
  let ctx: ServiceContext;
  const number = `SVC-EVENTS-${Date.now()}`;
  const webhook = (ticketId: string, status: string, at: number) => ({
    ticketId,
    orderId: number,
    storeId: '1456',
    status,
    metadata: { timestamp: String(at) },
  });
  const eventIds = async () =>
    (
      (await ctx.db.query(`SELECT e.id FROM imshop_ticket_events e JOIN imshop_tickets t ON t.id = e.ticket_id WHERE t.oms_order_number = $1 ORDER BY e.id`, [
        number,
      ])) as { id: string }[]
    ).map((r) => r.id);

  beforeAll(async () => {
    ctx = await startServices();
    await ctx.db.query(`INSERT INTO orders (oms_order_number, status, version) VALUES ($1, 'PROCESSING', 1)`, [number]);
    const intake = ctx.get(TicketIntakeService);
    // A ticket we did not create: `failed` names no type (recorded), `done` then names prepare (applied).
    await intake.receiveStatus(webhook(`${number}-t`, 'failed', T0));
    await intake.receiveStatus(webhook(`${number}-t`, 'done', T0 + 10));
  });
  afterAll(() => ctx.close());

  it('replays a stored event by the rules of live traffic, once per history key prefix', async () => {
    const [failed, done] = await eventIds();
    const events = ctx.get(TicketEventsService);
    // Its type is known now, and prepare's `failed` moves the order (back to ASSEMBLY_FAILED is older than done: stale).
    expect(await events.reprocess(failed, 'replay:1:')).toBe('stale');
    expect(await events.reprocess(done, 'replay:1:')).toBe('unchanged');
    expect(await events.reprocess(done, 'replay:1:')).toBe('duplicate');
    await expect(events.reprocess('999999999', 'replay:1:')).rejects.toThrow('IMSHOP ticket event 999999999 does not exist');
    const history = await ctx.db.query(
      `SELECT h.dedupe_key, h.outcome FROM order_history h JOIN orders o ON o.id = h.order_id WHERE o.oms_order_number = $1 ORDER BY h.id`,
      [number],
    );
    expect(history.map((h: any) => [h.dedupe_key.replace(`${number}-t`, 'T'), h.outcome])).toEqual([
      [`imshop_ticket:T|done|${(T0 + 10) * 1000}`, 'applied'],
      [`replay:1:imshop_ticket:T|failed|${T0 * 1000}`, 'stale'],
      [`replay:1:imshop_ticket:T|done|${(T0 + 10) * 1000}`, 'unchanged'],
    ]);
  });

  it("selects a replay's events by id or by receipt time, in id order after a cursor", async () => {
    const ids = await eventIds();
    const events = ctx.get(TicketEventsService);
    expect(await events.countStoredEvents({ ids })).toBe(2);
    expect(await events.storedEventIdsAfter({ ids }, ids[0], 10)).toEqual([ids[1]]);
    const window = { since: new Date(Date.now() - 60_000), until: new Date(Date.now() + 60_000) };
    expect(await events.storedEventIdsAfter(window, '0', 1)).toHaveLength(1);
    expect(await events.storedEventIdsAfter(window, '0', 100)).toEqual(expect.arrayContaining(ids));
    expect(await events.countStoredEvents({ since: window.until, until: new Date(Date.now() + 120_000) })).toBe(0);
  });

  it('deletes events received before a time, a bounded batch at a time, and keeps the tickets', async () => {
    const events = ctx.get(TicketEventsService);
    expect(await events.deleteEventsReceivedBefore(new Date(Date.now() - 60_000), 100)).toBe(0);
    expect(await events.deleteEventsReceivedBefore(new Date(Date.now() + 60_000), 1)).toBe(1);
    expect(await eventIds()).toHaveLength(1);
    expect(await events.deleteEventsReceivedBefore(new Date(Date.now() + 60_000), 100)).toBe(1);
    expect(await eventIds()).toEqual([]);
    expect(await ctx.db.query('SELECT status FROM imshop_tickets WHERE imshop_ticket_id = $1', [`${number}-t`])).toEqual([{ status: 'done' }]);
  });
});
