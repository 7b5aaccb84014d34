import type { Tx } from '../database/transaction';
import { channel } from '../events/channels';
import type { HistoryOutcome } from './order-history.entity';
import type { OrderSource } from './order-source';
import type { OrderStatus } from './order-status';
import type { OrderView } from './order-view';

/** A change written to an order (a repeat writes none): the fact its listeners decide what to send from. */
export interface OrderChanged {
  /** The order as the change left it. */
  order: OrderView;
  source: OrderSource;
  /** The change's history row: deliveries of the order are ordered by it. */
  historyId: string;
  outcome: HistoryOutcome;
  /** The status before the change; null for a new order. */
  from: OrderStatus | null;
  statusChanged: boolean;
  created: boolean;
  /** A stored event applied again (a replay): what its first application started is not started again. */
  replay: boolean;
  /** The OMS's own words, passed on to IMSHOP as given (its codes are its own). */
  relay?: Readonly<Record<string, unknown>>;
}

/**
 * Every change of an order, in the transaction that made it: a listener writes what the change calls for in
 * `tx` (its outbox deliveries), so it commits with the change. Listeners: IMSHOP's status push
 * (ImshopSyncService.onOrderChanged), Market's (MarketLoopService.onOrderChanged); see docs/architecture.md.
 */
export const ORDER_CHANGED = channel<{ change: OrderChanged; tx: Tx }>('order.changed');

/** A named section of the admin view of an order, keyed by its name: another module's records about the order. */
export const ORDER_DETAILS = channel<OrderView, unknown>('order.details');
