import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MarketReconcileCursor } from './market-reconcile-cursor.entity';

/** The reconciliation's SQL: one cursor row per campaign (market_reconcile_cursors). */
@Injectable()
export class MarketReconcileRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The campaign's cursor, created when missing, with the business id it is pulled for. */
  async ensureCursor(campaignId: string, businessId: string): Promise<MarketReconcileCursor> {
    await this.dataSource.query(
      'INSERT INTO market_reconcile_cursors (campaign_id, business_id) VALUES ($1, $2) ON CONFLICT (campaign_id) DO UPDATE SET business_id = EXCLUDED.business_id',
      [campaignId, businessId],
    );
    return this.dataSource.getRepository(MarketReconcileCursor).findOneByOrFail({ campaignId });
  }

  cursor(campaignId: string): Promise<MarketReconcileCursor | null> {
    return this.dataSource.getRepository(MarketReconcileCursor).findOneBy({ campaignId });
  }

  /** A new window starts: from its first page. */
  async startRun(campaignId: string, from: Date, to: Date): Promise<void> {
    await this.dataSource
      .getRepository(MarketReconcileCursor)
      .update({ campaignId }, { runFrom: from, runTo: to, pageToken: null, pagesDone: 0, lastRunAt: new Date() });
  }

  /** A page is applied: the cursor moves past it. */
  async pageDone(campaignId: string, nextPageToken: string): Promise<void> {
    await this.dataSource.query('UPDATE market_reconcile_cursors SET page_token = $2, pages_done = pages_done + 1 WHERE campaign_id = $1', [
      campaignId,
      nextPageToken,
    ]);
  }

  /** The window's last page is applied: the cursor is at its end. */
  async runDone(campaignId: string, to: Date, counts: Record<string, number>): Promise<void> {
    await this.dataSource.getRepository(MarketReconcileCursor).update(
      { campaignId },
      {
        cursorAt: to,
        runFrom: null,
        runTo: null,
        pageToken: null,
        pagesDone: 0,
        lastSuccessAt: new Date(),
        lastError: null,
        lastCounts: counts,
        lastStopReason: null,
        lastStopAt: null,
      },
    );
  }

  async runFailed(campaignId: string, message: string): Promise<void> {
    await this.dataSource.getRepository(MarketReconcileCursor).update({ campaignId }, { lastError: message.slice(0, 1000) });
  }

  /** The run stopped before the end of its window, and why (the cursor stays at the page it had not read). */
  async runStopped(campaignId: string, reason: string, error: string | null): Promise<void> {
    await this.dataSource
      .getRepository(MarketReconcileCursor)
      .update({ campaignId }, { lastStopReason: reason, lastStopAt: new Date(), ...(error !== null ? { lastError: error.slice(0, 1000) } : {}) });
  }

  /** Every campaign's cursor, by campaign. */
  cursors(): Promise<MarketReconcileCursor[]> {
    return this.dataSource.getRepository(MarketReconcileCursor).find({ order: { campaignId: 'ASC' } });
  }

  /** When each campaign's pull last finished (any instance): the metrics read it. */
  async lastSuccesses(): Promise<{ campaign: string; at: number }[]> {
    return (await this.dataSource.query(
      'SELECT campaign_id::text AS campaign, extract(epoch FROM last_success_at)::float AS at FROM market_reconcile_cursors WHERE last_success_at IS NOT NULL',
    )) as { campaign: string; at: number }[];
  }
}
