import { Injectable } from '@nestjs/common';
import type { Page } from '../common/page';
import type { StoredEventSelection } from '../common/stored-event-selection';
import { Handles } from '../events/channels';
import { ORDER_DETAILS } from '../orders/order-events';
import type { OrderView } from '../orders/order-view';
import { deleteInBatches, RETENTION_STEP, type RetentionCutoffs } from '../retention/retention-step';
import type { ListMarketEventsQuery } from './dto/list-market-events.query';
import type { MarketEvent } from './market-event.entity';
import { MarketRepository } from './market.repository';

/**
 * What the Market inbox holds, for the admin API and for operations: the stored notifications, an order's
 * returns, which events a replay selects, and the retention step of the inbox.
 */
@Injectable()
export class MarketEventsService {
  constructor(private readonly repository: MarketRepository) {}

  list(query: ListMarketEventsQuery): Promise<Page<MarketEvent>> {
    return this.repository.list(query);
  }

  /** The admin view of an order lists its returns. */
  @Handles(ORDER_DETAILS, 'marketReturns')
  async returnsOf(order: OrderView): Promise<unknown> {
    if (!order.marketOrderId) return [];
    return this.repository.returnsOf(order.marketCampaignId!, order.marketOrderId);
  }

  /** Replay: how many stored notifications the selection holds. */
  countStored(selection: StoredEventSelection): Promise<number> {
    return this.repository.countSelected(selection);
  }

  /** Replay: the next `limit` stored notifications of the selection after `afterId` (ids in order). */
  storedIdsAfter(selection: StoredEventSelection, afterId: string, limit: number): Promise<string[]> {
    return this.repository.selectedIdsAfter(selection, afterId, limit);
  }

  /**
   * Retention: deletes one batch (at most `limit`) of notifications received before `before`, oldest first, and
   * says how many went; the caller repeats until a batch comes back short. Orders and their history keep what
   * the notifications did.
   */
  deleteReceivedBefore(before: Date, limit: number): Promise<number> {
    return this.repository.deleteReceivedBefore(before, limit);
  }

  /** The retention job's step for market_events: notifications older than RETENTION_EVENTS_DAYS. */
  @Handles(RETENTION_STEP, 'market_events')
  async deleteOldEvents(cutoffs: RetentionCutoffs): Promise<number> {
    return deleteInBatches(cutoffs.batchSize, (limit) => this.deleteReceivedBefore(cutoffs.eventsBefore, limit));
  }
}
