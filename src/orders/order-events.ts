import type { EntityManager } from 'typeorm';
import { channel } from '../events/channels';
import type { OrderView } from './order-view';
import type { ApplyResult, StatusEvent } from './status-event';

/** An event applied to an order (not a repeat), inside the transaction that applied it. */
export interface OrderChange {
  result: ApplyResult;
  event: StatusEvent;
  /** The transaction: what a handler writes commits or rolls back with the change (the outbox's rows, say). */
  manager: EntityManager;
}

/** Every applied event, in its transaction: who must hear of it writes its outbox deliveries here. */
export const ORDER_CHANGED = channel<OrderChange>('order.changed');

/** A named section of the admin view of an order, keyed by its name: another module's records about the order. */
export const ORDER_DETAILS = channel<OrderView, unknown>('order.details');
