/**
 * Who handles what: every channel (see channels.ts), with its handlers in the order they run (the order of the
 * modules in AppModule). A handler declares itself with @Handles, a delivery sender with @SendsDeliveries;
 * test/wiring.e2e-spec.ts keeps this listing equal to what the app finds.
 */
export const WIRING: Record<string, string[]> = {
  /** orders/order-events.ts: every change of an order, in the transaction that made it. */
  'order.changed': [
    'ImshopSyncService.onOrderChanged (the IMSHOP status push, if the app knows the order)',
    "MarketLoopService.onOrderChanged (our status to Market along its path; a cancelled order's store tickets withdrawn)",
  ],
  /** market/market-order-notice.ts: what Market said of an order (a notification, or the pull), in its transaction. */
  'market.order-notified': [
    'MarketLoopService.onMarketNotice (the steps it starts: details fetch, prepare ticket, cancellation answer)',
    'SandboxMarket.learnFromNotice (SANDBOX=true only: the sandbox Market learns the orders it is told of)',
  ],
  /** orders/order-events.ts: the sections of GET /admin/orders/:id, by name. */
  'order.details': [
    'marketReturns: MarketEventsService.returnsOf',
    'imshopTickets: TicketReadsService.ticketsOfOrder',
    'marketDetails: MarketOrderDetailsService.detailsOf',
  ],
  /** outbox/delivery-targets.ts: one attempt of a delivery, by target. */
  'delivery.send': [
    'imshop: ImshopSyncService.send',
    'market: MarketSendersService.pushStatus',
    'market_cancel: MarketSendersService.answerCancellation',
    'market_fetch: MarketSendersService.fetchDetails',
    'imshop_prepare: MarketSendersService.createPrepareTicket',
    'imshop_withdraw: MarketSendersService.withdrawTickets',
  ],
  /** retention/retention-step.ts: one table's share of the retention job, by table, each by its owner. */
  'retention.step': [
    'market_events: MarketEventsService.deleteOldEvents',
    'delivery_attempts: OutboxRetention.deleteOldAttempts',
    'deliveries: OutboxRetention.deleteOldDeliveries',
    'imshop_ticket_events: TicketEventsService.deleteOldEvents',
    'replay_runs: ReplayService.deleteOldRuns',
    'sandbox_requests: SandboxRecorder.deleteOldRequests (SANDBOX=true only: what the sandbox peers recorded)',
  ],
};
