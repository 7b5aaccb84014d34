import { InitialSchema1795577910132 } from './1795577910132-InitialSchema';
import { SeedDefaultStatusMappings1795577910200 } from './1795577910200-SeedDefaultStatusMappings';
import { MarketInbox1795578564034 } from './1795578564034-MarketInbox';
import { Outbox1795579016703 } from './1795579016703-Outbox';
import { ImshopTickets1795590000000 } from './1795590000000-ImshopTickets';
import { MarketLoop1795600000000 } from './1795600000000-MarketLoop';
import { Operations1795610000000 } from './1795610000000-Operations';
import { MarketReconcile1795620000000 } from './1795620000000-MarketReconcile';
import { Sandbox1795630000000 } from './1795630000000-Sandbox';
import { DeliveryLeases1795640000000 } from './1795640000000-DeliveryLeases';
import { BoundFutureEventTimes1795641000000 } from './1795641000000-BoundFutureEventTimes';
import { ImshopTicketRequests1795642000000 } from './1795642000000-ImshopTicketRequests';
import { ReconcileStops1795643000000 } from './1795643000000-ReconcileStops';
import { DeliveryOrdering1795650000000 } from './1795650000000-DeliveryOrdering';
import { ConsoleSessions1795660000000 } from './1795660000000-ConsoleSessions';

/** In order. Listed explicitly (no glob) so the app, the CLI and Jest's ESM loader see the same set. */
export const MIGRATIONS = [
  InitialSchema1795577910132,
  SeedDefaultStatusMappings1795577910200,
  MarketInbox1795578564034,
  Outbox1795579016703,
  ImshopTickets1795590000000,
  MarketLoop1795600000000,
  Operations1795610000000,
  MarketReconcile1795620000000,
  Sandbox1795630000000,
  DeliveryLeases1795640000000,
  BoundFutureEventTimes1795641000000,
  ImshopTicketRequests1795642000000,
  ReconcileStops1795643000000,
  DeliveryOrdering1795650000000,
  ConsoleSessions1795660000000,
];
