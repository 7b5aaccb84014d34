import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MarketApiModule } from '../../src/market-api/market-api.module';
import { MarketAutomationService } from '../../src/market-api/market-automation.service';
import { MarketModule } from '../../src/market/market.module';
import { MarketNotificationService } from '../../src/market/market-notification.service';
import { OrdersService } from '../../src/orders/orders.service';
import { BUSINESS, MARKET_KEY, STORE, marketTimeline } from '../support/market-loop-fixtures';
import { startServices, type ServiceContext } from './service-context';

/**
 * The Market flow on its own: Market's inbox and the Market loop, and only what they import (orders, outbox,
 * mappings, tickets), without HTTP and without the rest of the app. Market's notifications go in through the
 * intake service; the steps the loop starts are the outbox rows it wrote in the same transaction. No worker runs
 * (the outbox's workers are OutboxWorkerModule's, not loaded), so a row is what the loop decided, not what a
 * sender made of it.
 */
describe('Market flow (MarketModule + MarketApiModule only)', () => {
  let ctx: ServiceContext;
  let intake: MarketNotificationService;
  const campaignId = '70001';
  const timeline = marketTimeline(700_000);
  const notify = (body: Record<string, unknown>) => intake.receive({ campaignId: Number(campaignId), ...body });
  const orderOf = async (orderId: string) =>
    (
      (await ctx.db.query('SELECT id, status FROM orders WHERE market_campaign_id = $1 AND market_order_id = $2', [campaignId, orderId])) as {
        id: string;
        status: string;
      }[]
    )[0];
  const stepsOf = async (orderId: string) => {
    const order = await orderOf(orderId);
    const rows = (await ctx.db.query('SELECT target, payload FROM deliveries WHERE order_id = $1 ORDER BY id', [order.id])) as {
      target: string;
      payload: Record<string, unknown>;
    }[];
    return rows.map(({ target, payload }) => (target === 'market' ? `market ${payload.status}/${payload.substatus ?? ''}` : target));
  };

  beforeAll(async () => {
    // An address nothing answers: no sender runs here, and one that did would fail the row, not reach a peer.
    ctx = await startServices(
      {
        MARKET_API_URL: 'http://127.0.0.1:9/',
        MARKET_API_KEY: MARKET_KEY,
        IMSHOP_API_KEY: 'imshop-test-key-0123456789',
        IMSHOP_TICKETS_URL: 'http://127.0.0.1:9/tickets',
      },
      { modules: [MarketModule, MarketApiModule] },
    );
    intake = ctx.get(MarketNotificationService);
    await ctx.get(MarketAutomationService).put(
      campaignId,
      {
        businessId: BUSINESS,
        storeId: STORE,
        orderNumberPrefix: 'YM-',
        rules: { fetchDetails: true, prepareTicket: true, pushStatuses: true, answerCancellations: true },
      },
      'market-flow test',
    );
  });
  afterAll(() => ctx.close());

  it('ORDER_CREATED fetches the details; PROCESSING/STARTED prepares the store ticket, once each', async () => {
    const orderId = timeline.newOrderId();
    await notify({ notificationType: 'ORDER_CREATED', orderId: Number(orderId), createdAt: timeline.at(), items: [{ offerId: 'SKU-1', count: 1 }] });
    expect(await stepsOf(orderId)).toEqual(['market_fetch']);
    await notify({ notificationType: 'ORDER_STATUS_UPDATED', orderId: Number(orderId), status: 'PROCESSING', substatus: 'STARTED', updatedAt: timeline.at() });
    expect((await orderOf(orderId)).status).toBe('PROCESSING');
    expect(await stepsOf(orderId)).toEqual(['market_fetch', 'imshop_prepare']);
    // Market's own status is not pushed back to Market.
    expect((await stepsOf(orderId)).filter((step) => step.startsWith('market '))).toEqual([]);
  });

  it('a replayed notification starts nothing its first application started', async () => {
    const orderId = timeline.newOrderId();
    await notify({ notificationType: 'ORDER_CREATED', orderId: Number(orderId), createdAt: timeline.at(), items: [{ offerId: 'SKU-1', count: 1 }] });
    await notify({ notificationType: 'ORDER_STATUS_UPDATED', orderId: Number(orderId), status: 'PROCESSING', substatus: 'STARTED', updatedAt: timeline.at() });
    const before = await stepsOf(orderId);
    const order = await orderOf(orderId);
    const events = (await ctx.db.query('SELECT id FROM market_events WHERE campaign_id = $1 AND order_id = $2 ORDER BY id', [campaignId, orderId])) as {
      id: string;
    }[];
    expect(events).toHaveLength(2);
    for (const { id } of events) await intake.reprocess(id, 'replay-1:');
    expect(await stepsOf(orderId)).toEqual(before);
    expect((await orderOf(orderId)).status).toBe(order.status);
  });

  it('a status set here walks Market along its path: each step Market requires, in order', async () => {
    const orderId = timeline.newOrderId();
    await notify({ notificationType: 'ORDER_STATUS_UPDATED', orderId: Number(orderId), status: 'PROCESSING', substatus: 'STARTED', updatedAt: timeline.at() });
    const order = await orderOf(orderId);
    const result = await ctx
      .get(OrdersService)
      .applyStatus({ source: 'admin', identity: { id: order.id }, internalStatus: 'SHIPPED', note: 'test: shipped without saying it was ready' });
    expect(result.outcome).toBe('applied');
    const pushes = (await stepsOf(orderId)).filter((step) => step.startsWith('market '));
    expect(pushes).toEqual(['market PROCESSING/READY_TO_SHIP', 'market DELIVERY/']);
  });

  it('reads the order once, and the campaign settings once, in the transaction of a notification', async () => {
    const orderId = timeline.newOrderId();
    await notify({ notificationType: 'ORDER_CREATED', orderId: Number(orderId), createdAt: timeline.at(), items: [{ offerId: 'SKU-1', count: 1 }] });
    // Every statement TypeORM sends, as its logger is told of it (what the outbox and the orders module write included).
    const statements: string[] = [];
    const logger = ctx.db.logger;
    const logQuery = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => {
      statements.push(query);
      return logQuery(query, parameters, runner);
    };
    try {
      await notify({
        notificationType: 'ORDER_STATUS_UPDATED',
        orderId: Number(orderId),
        status: 'PROCESSING',
        substatus: 'STARTED',
        updatedAt: timeline.at(),
      });
    } finally {
      logger.logQuery = logQuery;
    }
    expect(await stepsOf(orderId)).toEqual(['market_fetch', 'imshop_prepare']);
    const reads = (table: string) => statements.filter((sql) => new RegExp(`^\\s*SELECT[\\s\\S]*\\bFROM\\s+"?${table}"?[\\s"]`, 'i').test(sql));
    expect(reads('orders')).toHaveLength(1);
    expect(reads('market_automation')).toHaveLength(1);
  });

  it('an accepted cancellation request is answered once, and a cancellation by Market is not pushed back', async () => {
    const orderId = timeline.newOrderId();
    await notify({ notificationType: 'ORDER_STATUS_UPDATED', orderId: Number(orderId), status: 'PROCESSING', substatus: 'STARTED', updatedAt: timeline.at() });
    await notify({ notificationType: 'ORDER_CANCELLATION_REQUEST', orderId: Number(orderId), requestedAt: timeline.at() });
    expect((await stepsOf(orderId)).filter((step) => step === 'market_cancel')).toHaveLength(1);
    await notify({ notificationType: 'ORDER_CANCELLED', orderId: Number(orderId), items: [{ offerId: 'SKU-1', count: 1 }], cancelledAt: timeline.at() });
    expect((await orderOf(orderId)).status).toBe('CANCELLED');
    expect((await stepsOf(orderId)).filter((step) => step.startsWith('market '))).toEqual([]);
  });
});
