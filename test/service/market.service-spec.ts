import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MarketNotificationNotStored, MarketNotificationRefused } from '../../src/market/market-errors';
import { MarketEventsService } from '../../src/market/market-events.service';
import { MarketNotificationService } from '../../src/market/market-notification.service';
import { startServices, type ServiceContext } from './service-context';

/** The Market inbox without HTTP: intake, and what replay and retention ask of it. */
describe('Market inbox services', () => {
  let ctx: ServiceContext;
  let intake: MarketNotificationService;
  let inbox: MarketEventsService;
  const campaignId = 31337;
  const statusUpdate = (orderId: number, status: string, updatedAt: string) => ({
    notificationType: 'ORDER_STATUS_UPDATED',
    campaignId,
    orderId,
    status,
    substatus: 'STARTED',
    updatedAt,
  });
  const idsOf = async (orderId: number) =>
    ((await ctx.db.query('SELECT id FROM market_events WHERE campaign_id = $1 AND order_id = $2 ORDER BY id', [campaignId, orderId])) as { id: string }[]).map(
      ({ id }) => id,
    );

  beforeAll(async () => {
    ctx = await startServices();
    intake = ctx.get(MarketNotificationService);
    inbox = ctx.get(MarketEventsService);
  });
  afterAll(() => ctx.close());

  it('stores a notification with its effect, and counts a repeat without applying it again', async () => {
    const event = statusUpdate(1, 'PROCESSING', '2026-11-24T10:00:00Z');
    const [first, again] = [await intake.receive(event), await intake.receive(event)];
    expect(first).toEqual(expect.objectContaining({ type: 'ORDER_STATUS_UPDATED', duplicate: false, outcome: 'applied' }));
    expect(again).toEqual(expect.objectContaining({ duplicate: true, outcome: 'duplicate' }));
    const [row] = (await ctx.db.query('SELECT outcome, duplicate_count FROM market_events WHERE campaign_id = $1 AND order_id = 1', [campaignId])) as Record<
      string,
      unknown
    >[];
    expect(row).toEqual({ outcome: 'applied', duplicate_count: 1 });
  });

  it('refuses a notification that is wrong in itself with a typed error, and stores nothing', async () => {
    const before = (await ctx.db.query('SELECT count(*)::int AS n FROM market_events'))[0].n;
    await expect(intake.receive({ notificationType: 'ORDER_STATUS_UPDATED', campaignId })).rejects.toThrow(MarketNotificationRefused);
    expect((await ctx.db.query('SELECT count(*)::int AS n FROM market_events'))[0].n).toBe(before);
  });

  it('says "not stored" (Market retries) when the transaction fails', async () => {
    // The database refuses this one notification's row: its transaction fails as a whole.
    await ctx.db.query('ALTER TABLE market_events ADD CONSTRAINT test_refuses_order_2 CHECK (order_id <> 2)');
    try {
      await expect(intake.receive(statusUpdate(2, 'PROCESSING', '2026-11-24T10:00:00Z'))).rejects.toThrow(MarketNotificationNotStored);
    } finally {
      await ctx.db.query('ALTER TABLE market_events DROP CONSTRAINT test_refuses_order_2');
    }
    expect(await idsOf(2)).toEqual([]);
    expect((await ctx.db.query('SELECT count(*)::int AS n FROM orders WHERE market_campaign_id = $1 AND market_order_id = 2', [campaignId]))[0].n).toBe(0);
  });

  it('gives replay the stored events of a selection, by id or by time received, in id order', async () => {
    for (const [i, status] of ['PROCESSING', 'DELIVERY', 'PICKUP'].entries()) await intake.receive(statusUpdate(3, status, `2026-11-24T1${i}:00:00Z`));
    const ids = await idsOf(3);
    expect(ids).toHaveLength(3);
    expect(await inbox.countStored({ ids: [ids[0], ids[2], '999999999'] })).toBe(2);
    expect(await inbox.storedIdsAfter({ ids }, ids[0], 10)).toEqual(ids.slice(1));
    expect(await inbox.storedIdsAfter({ ids }, '0', 2)).toEqual(ids.slice(0, 2));
    const window = { since: new Date(Date.now() - 60_000), until: new Date(Date.now() + 60_000) };
    expect(await inbox.countStored(window)).toBeGreaterThanOrEqual(3);
    expect(await inbox.countStored({ since: new Date('2020-01-01'), until: new Date('2020-01-02') })).toBe(0);
  });

  it('deletes old events in batches for retention, oldest first, and leaves the orders alone', async () => {
    await intake.receive(statusUpdate(4, 'PROCESSING', '2026-11-24T10:00:00Z'));
    const [kept] = await idsOf(4);
    const old = await idsOf(3);
    await ctx.db.query(`UPDATE market_events SET received_at = now() - interval '100 days' WHERE id = ANY($1::bigint[])`, [old]);
    const before = new Date(Date.now() - 50 * 86_400_000);
    expect(await inbox.deleteReceivedBefore(before, 2)).toBe(2);
    expect(await idsOf(3)).toEqual([old[2]]);
    expect(await inbox.deleteReceivedBefore(before, 2)).toBe(1);
    expect(await inbox.deleteReceivedBefore(before, 2)).toBe(0);
    expect(await idsOf(4)).toEqual([kept]);
    expect((await ctx.db.query(`SELECT status FROM orders WHERE market_campaign_id = $1 AND market_order_id = 3`, [campaignId]))[0].status).toBe(
      'READY_FOR_PICKUP',
    );
  });
});
