import type { Tx } from '../database/transaction';
import { channel } from '../events/channels';
import type { OrderChanged } from '../orders/order-events';

/** What Market said of an order, as this service read it: a notification's meaning, or the reconciliation pull's. */
export type MarketOrderNotice =
  | { kind: 'created' }
  | { kind: 'status'; status: string; substatus: string | null }
  | { kind: 'cancelled' }
  | { kind: 'cancellation_requested' }
  | { kind: 'updated' }
  | { kind: 'return' };

export interface MarketOrderNotified {
  notice: MarketOrderNotice;
  /** How it was heard: a notification, or the reconciliation pull that caught a state whose notification never came. */
  via: 'notification' | 'pull';
  /** When Market says it happened (bounded by when it arrived). */
  at: Date;
  /** The change it made to the order. */
  change: OrderChanged;
}

/**
 * A Market notice applied to its order (not a repeat), in the transaction that applied it: who acts on what Market
 * says writes it in `tx`. Published by the Market intake (MarketNotificationService) and the reconciliation pull;
 * handled by the Market loop (MarketLoopService.onMarketNotice) and, in the sandbox, by its Market.
 */
export const MARKET_ORDER_NOTIFIED = channel<{ notified: MarketOrderNotified; tx: Tx }>('market.order-notified');
