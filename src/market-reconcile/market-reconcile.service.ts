import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConflictError, InvalidInputError } from '../common/domain-error';
import { withSessionLock } from '../database/session-lock';
import { MarketApiClient } from '../market-api/market-api.client';
import { MarketAutomationService } from '../market-api/market-automation.service';
import type { ReconcileStateView } from './dto/reconcile.dto';
import type { MarketReconcileCursor } from './market-reconcile-cursor.entity';
import { MarketReconcileRepository } from './market-reconcile.repository';
import { MAX_PAGES_PER_RUN, ReconcilePull } from './reconcile-pull';
import { ReconcileError, type ReconcileReport, type ReconcileRequest } from './reconcile-report';

export { MAX_PAGES_PER_RUN, RECONCILE_PAGE_SIZE } from './reconcile-pull';
export { ReconcileError, type ReconcileCounts, type ReconcileReport, type ReconcileRequest } from './reconcile-report';

/** The global lock of the scheduled job; each campaign also has one of its own (the admin endpoint takes only that). */
const JOB_LOCK = 'order-sync:market-reconcile';

/**
 * Reconciliation: pulls the orders Market changed and applies what notifications missed (ReconcilePull), on a
 * schedule for every campaign with a business id, or now for one (the admin endpoint). Latest-event-time-wins and
 * the dedupe key (campaign, order, status, substatus, update time) make a pulled state older than ours, or one
 * pulled twice, change nothing.
 */
@Injectable()
export class MarketReconcileService {
  private readonly logger = new Logger('Reconcile');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: MarketReconcileRepository,
    private readonly pulls: ReconcilePull,
    private readonly client: MarketApiClient,
    private readonly automation: MarketAutomationService,
  ) {}

  /**
   * The scheduled job: every campaign with a business id, from its cursor. Exactly one instance runs it at a time
   * (advisory lock); a campaign an admin is reconciling right now is skipped this round.
   */
  async runAll(): Promise<{ ran: boolean; reports: ReconcileReport[]; failed: string[] }> {
    if (!this.client.configured) return { ran: false, reports: [], failed: [] };
    const outcome = await withSessionLock(this.dataSource, JOB_LOCK, async () => {
      const campaigns = await this.automation.campaignsWithBusiness();
      const reports: ReconcileReport[] = [];
      const failed: string[] = [];
      for (const c of campaigns) {
        if (this.pulls.isStopping) break;
        try {
          const run = await withSessionLock(this.dataSource, `${JOB_LOCK}:${c.campaignId}`, () => this.pulls.pull(c.campaignId, c.businessId));
          if (run.ran) reports.push(run.value);
        } catch (error) {
          failed.push(c.campaignId);
          // a ReconcileError was logged by pull() with its counts
          if (!(error instanceof ReconcileError)) this.logger.warn(`reconcile campaign ${c.campaignId}: ${(error as Error).message}`);
        }
      }
      return { reports, failed };
    });
    if (!outcome.ran) {
      this.logger.log('reconcile skipped: another instance is running it');
      return { ran: false, reports: [], failed: [] };
    }
    return { ran: true, ...outcome.value };
  }

  /**
   * POST /admin/market/reconcile: one campaign now. Without `since`: from the stored cursor (advancing it, as the
   * schedule would). With `since` (and `until`, default now): that window only, the cursor untouched.
   */
  async runNow(request: ReconcileRequest): Promise<ReconcileReport> {
    if (!this.client.configured) throw new ConflictError('the Market partner API is not configured (MARKET_API_KEY)');
    const businessId = await this.automation.businessIdOf(request.campaignId);
    if (!businessId) {
      throw new InvalidInputError([
        `campaignId: campaign ${request.campaignId} has no businessId in its automation settings (PUT /admin/market/campaigns/${request.campaignId}/automation)`,
      ]);
    }
    const window = request.since ? { since: request.since, until: request.until ?? new Date() } : undefined;
    const run = await withSessionLock(this.dataSource, `${JOB_LOCK}:${request.campaignId}`, () => this.pulls.pull(request.campaignId, businessId, window));
    if (!run.ran) throw new ConflictError(`campaign ${request.campaignId} is being reconciled right now (the schedule or another request); try again later`);
    return run.value;
  }

  /** GET /admin/market/reconcile: where every campaign's pull stands, and why a run stopped early. */
  async state(): Promise<ReconcileStateView> {
    const iso = (at: Date | null) => (at ? at.toISOString() : null);
    const cursors = await this.repository.cursors();
    return {
      maxPagesPerRun: MAX_PAGES_PER_RUN,
      campaigns: cursors.map((c) => ({
        campaignId: c.campaignId,
        businessId: c.businessId,
        cursorAt: iso(c.cursorAt),
        unfinished: c.runFrom && c.runTo ? { since: c.runFrom.toISOString(), until: c.runTo.toISOString(), pagesDone: c.pagesDone } : null,
        lastRunAt: iso(c.lastRunAt),
        lastSuccessAt: iso(c.lastSuccessAt),
        lastError: c.lastError,
        lastStop: c.lastStopReason ? { reason: c.lastStopReason, at: iso(c.lastStopAt)! } : null,
        lastCounts: c.lastCounts,
      })),
    };
  }

  /** The stored cursor of a campaign (tests and diagnostics). */
  cursor(campaignId: string): Promise<MarketReconcileCursor | null> {
    return this.repository.cursor(campaignId);
  }
}
