import { ImshopTicketEvent } from '../imshop-tickets/ticket-event.entity';
import { ImshopTicketRequest } from '../imshop-tickets/ticket-request.entity';
import { ImshopTicket } from '../imshop-tickets/ticket.entity';
import { MarketAutomation } from '../market-api/market-automation.entity';
import { MarketOrderDetails } from '../market-api/market-order-details.entity';
import { MarketReconcileCursor } from '../market-reconcile/market-reconcile-cursor.entity';
import { MarketEvent } from '../market/market-event.entity';
import { MarketReturn } from '../market/market-return.entity';
import { DeliveryAttempt } from '../outbox/delivery-attempt.entity';
import { Delivery } from '../outbox/delivery.entity';
import { DeliveryTarget } from '../outbox/delivery-target.entity';
import { ReplayRun } from '../replay/replay-run.entity';
import { OrderHistoryEntry } from '../orders/order-history.entity';
import { Order } from '../orders/order.entity';
import { StatusMappingAudit } from '../status-mapping/status-mapping-audit.entity';
import { StatusMappingRevision } from '../status-mapping/status-mapping-revision.entity';
import { StatusMapping } from '../status-mapping/status-mapping.entity';
import { SandboxMarketOrder } from '../sandbox/sandbox-market-order.entity';
import { SandboxRequest } from '../sandbox/sandbox-request.entity';
import { SandboxTicket } from '../sandbox/sandbox-ticket.entity';
import { ConsoleSession } from '../console/console-session.entity';

/** Every table the app maps; listed explicitly so the app, the CLI and the tests load the same set. */
export const ENTITIES = [
  Order,
  OrderHistoryEntry,
  StatusMapping,
  StatusMappingAudit,
  StatusMappingRevision,
  MarketEvent,
  MarketReturn,
  Delivery,
  DeliveryAttempt,
  ImshopTicket,
  ImshopTicketEvent,
  ImshopTicketRequest,
  MarketAutomation,
  MarketOrderDetails,
  DeliveryTarget,
  ReplayRun,
  MarketReconcileCursor,
  SandboxRequest,
  SandboxMarketOrder,
  SandboxTicket,
  ConsoleSession,
];
