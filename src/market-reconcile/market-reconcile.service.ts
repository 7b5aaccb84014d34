import { BadRequestException, ConflictException, HttpException, Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { boundEventTime, withNote } from '../common/event-time';
import { withSessionLock } from '../database/session-lock';
import { MarketApiClient, type MarketCallResult } from '../market-api/market-api.client';
import { MetricsService } from '../metrics/metrics.service';
import { OrdersService, type ApplyResult } from '../orders/orders.service';
import { MarketReconcileCursor } from './market-reconcile-cursor.entity';
import { normaliseMarketDate, toMarketDateTime } from './market-date';

/** Orders per page (Market's maximum for this method). */
export const RECONCILE_PAGE_SIZE = 50;
/** A campaign's first pull looks back this far. */
const FIRST_LOOKBACK_MS = 24 * 3_600_000;
/** Each window starts this long before the previous one ended: Market may index a change late. Re-reads are deduplicated. */
const OVERLAP_MS = 5 * 60_000;
/** Waits for a rate limit inside a run; a longer one ends the run (the cursor stays, the next run resumes). */
const MAX_INLINE_WAIT_MS = 60_000;
const MAX_RATE_LIMIT_WAITS = 5;
/** The global lock of the scheduled job; each campaign also has one of its own (the admin endpoint takes only that). */
const JOB_LOCK = 'order-sync:market-reconcile';

export interface ReconcileCounts {
  seen: number;
  /** Existing orders whose status the pull moved. */
  changed: number;
  /** Orders we did not know, created by the pull. */
  created: number;
  /** Everything else: same status, older than what we have (stale), already pulled (duplicate), refused by the state machine, unmapped. */
  unchanged: number;
}

export interface ReconcileReport extends ReconcileCounts {
  campaignId: string;
  businessId: string;
  /** cursor: from the stored cursor, advancing it; window: the given since/until, the cursor untouched. */
  mode: 'cursor' | 'window';
  since: string;
  until: string;
  pages: number;
  /** True when this run continued one cut short (it re-read the page that was not finished). */
  resumed: boolean;
  /** Why the non-`unchanged` ones were not changes: stale, duplicate, unchanged, rejected, unmapped, ... */
  outcomes: Record<string, number>;
  durationMs: number;
}

export interface ReconcileRequest {
  campaignId: string;
  since?: Date;
  until?: Date;
}

/** A run that stopped before its last page (Market error, rate limit too long); what was applied stays applied. */
export class ReconcileError extends Error {
  constructor(
    message: string,
    readonly partial: ReconcileReport,
    readonly rateLimited: boolean,
  ) {
    super(message);
  }
}

interface BusinessOrder {
  orderId?: unknown;
  campaignId?: unknown;
  status?: unknown;
  substatus?: unknown;
  updateDate?: unknown;
  updatedAt?: unknown;
  creationDate?: unknown;
  items?: { offerId?: unknown; offerName?: unknown; count?: unknown }[];
}

interface Page {
  orders: BusinessOrder[];
  nextPageToken: string | null;
}

/**
 * Reconciliation: pulls the orders Market changed (`POST v1/businesses/{businessId}/orders` with an update-time
 * window, page by page) and applies each through `OrdersService.applyStatus` as source `market_poll` with the
 * order's update time as the event time. Latest-event-time-wins and the dedupe key (campaign, order, status,
 * substatus, update time) make a pulled state older than ours, or one pulled twice, change nothing.
 */
@Injectable()
export class MarketReconcileService implements OnModuleDestroy {
  private readonly logger = new Logger('Reconcile');
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly client: MarketApiClient,
    private readonly orders: OrdersService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleDestroy(): void {
    this.stopping = true;
  }

  /**
   * The scheduled job: every campaign with a business id, from its cursor. Exactly one instance runs it at a time
   * (advisory lock); a campaign an admin is reconciling right now is skipped this round.
   */
  async runAll(): Promise<{ ran: boolean; reports: ReconcileReport[]; failed: string[] }> {
    if (!this.client.configured) return { ran: false, reports: [], failed: [] };
    const outcome = await withSessionLock(this.dataSource, JOB_LOCK, async () => {
      const campaigns = (await this.dataSource.query(
        'SELECT campaign_id::text AS campaign_id, business_id::text AS business_id FROM market_automation WHERE business_id IS NOT NULL ORDER BY campaign_id',
      )) as { campaign_id: string; business_id: string }[];
      const reports: ReconcileReport[] = [];
      const failed: string[] = [];
      for (const c of campaigns) {
        if (this.stopping) break;
        try {
          const run = await withSessionLock(this.dataSource, `${JOB_LOCK}:${c.campaign_id}`, () => this.pull(c.campaign_id, c.business_id));
          if (run.ran) reports.push(run.value);
        } catch (error) {
          failed.push(c.campaign_id);
          // a ReconcileError was logged by pull() with its counts
          if (!(error instanceof ReconcileError)) this.logger.warn(`reconcile campaign ${c.campaign_id}: ${(error as Error).message}`);
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
    if (!this.client.configured) throw new ConflictException('the Market partner API is not configured (MARKET_API_KEY)');
    const [row] = (await this.dataSource.query('SELECT business_id::text AS business_id FROM market_automation WHERE campaign_id = $1', [
      request.campaignId,
    ])) as { business_id: string | null }[];
    if (!row?.business_id) {
      throw new BadRequestException([
        `campaignId: campaign ${request.campaignId} has no businessId in its automation settings (PUT /admin/market/campaigns/${request.campaignId}/automation)`,
      ]);
    }
    const window = request.since ? { since: request.since, until: request.until ?? new Date() } : undefined;
    let run;
    try {
      run = await withSessionLock(this.dataSource, `${JOB_LOCK}:${request.campaignId}`, () => this.pull(request.campaignId, row.business_id!, window));
    } catch (error) {
      if (error instanceof ReconcileError) {
        throw new HttpException(
          { statusCode: error.rateLimited ? 429 : 502, message: error.message, ...error.partial },
          error.rateLimited ? 429 : 502,
        );
      }
      throw error;
    }
    if (!run.ran) throw new ConflictException(`campaign ${request.campaignId} is being reconciled right now (the schedule or another request); try again later`);
    return run.value;
  }

  /** The stored cursor of a campaign (tests and diagnostics). */
  cursor(campaignId: string): Promise<MarketReconcileCursor | null> {
    return this.dataSource.getRepository(MarketReconcileCursor).findOneBy({ campaignId });
  }

  /** One campaign, page by page, under the campaign's lock (held by the caller). */
  private async pull(campaignId: string, businessId: string, window?: { since: Date; until: Date }): Promise<ReconcileReport> {
    const started = Date.now();
    const repo = this.dataSource.getRepository(MarketReconcileCursor);
    let from: Date;
    let to: Date;
    let pageToken: string | null = null;
    let resumed = false;
    if (window) {
      from = window.since;
      to = window.until;
    } else {
      await this.dataSource.query(
        'INSERT INTO market_reconcile_cursors (campaign_id, business_id) VALUES ($1, $2) ON CONFLICT (campaign_id) DO UPDATE SET business_id = EXCLUDED.business_id',
        [campaignId, businessId],
      );
      const cursor = await repo.findOneByOrFail({ campaignId });
      if (cursor.runFrom && cursor.runTo) {
        // The last run stopped before its last page: the same window, from the page it had not finished.
        from = cursor.runFrom;
        to = cursor.runTo;
        pageToken = cursor.pageToken;
        resumed = true;
      } else {
        const now = new Date(Math.floor(Date.now() / 1000) * 1000);
        from = cursor.cursorAt ? new Date(cursor.cursorAt.getTime() - OVERLAP_MS) : new Date(now.getTime() - FIRST_LOOKBACK_MS);
        to = now;
        await repo.update({ campaignId }, { runFrom: from, runTo: to, pageToken: null, pagesDone: 0, lastRunAt: new Date() });
      }
    }

    const report: ReconcileReport = {
      campaignId,
      businessId,
      mode: window ? 'window' : 'cursor',
      since: from.toISOString(),
      until: to.toISOString(),
      pages: 0,
      resumed,
      seen: 0,
      changed: 0,
      created: 0,
      unchanged: 0,
      outcomes: {},
      durationMs: 0,
    };
    const finish = () => ({ ...report, durationMs: Date.now() - started });

    try {
      for (;;) {
        if (this.stopping) throw new ReconcileError('the process is shutting down', finish(), false);
        let page: Page;
        try {
          page = await this.fetchPage(campaignId, businessId, from, to, pageToken);
        } catch (error) {
          // Market may refuse a page token kept from an interrupted run (expired): start that window over.
          if (error instanceof PageTokenRefused && resumed && pageToken) {
            this.logger.warn(`reconcile campaign ${campaignId}: Market refused the stored page token; reading the window ${from.toISOString()}..${to.toISOString()} from its first page`);
            pageToken = null;
            resumed = false;
            continue;
          }
          throw error;
        }
        for (const order of page.orders) await this.applyOrder(campaignId, order, report);
        report.pages++;
        pageToken = page.nextPageToken;
        if (!window) {
          // The page is applied: only now does the cursor move past it.
          if (pageToken) {
            await repo.update({ campaignId }, { pageToken, pagesDone: () => 'pages_done + 1' } as never);
          } else {
            await repo.update(
              { campaignId },
              { cursorAt: to, runFrom: null, runTo: null, pageToken: null, pagesDone: 0, lastSuccessAt: new Date(), lastError: null, lastCounts: countsOf(report) },
            );
          }
        }
        if (!pageToken) break;
      }
    } catch (error) {
      const rateLimited = error instanceof RateLimited;
      const message = error instanceof ReconcileError ? error.message : `reconcile stopped after ${report.pages} page(s): ${(error as Error).message}`;
      this.metrics.reconcileRuns.inc({ campaign: campaignId, result: rateLimited ? 'rate_limited' : 'failed' });
      this.countCorrections(campaignId, report);
      if (!window) await repo.update({ campaignId }, { lastError: message.slice(0, 1000) }).catch(() => undefined);
      this.logger.warn(`reconcile campaign ${campaignId}: ${message}; ${describe(report)} (the next run resumes from the unfinished page)`);
      throw new ReconcileError(message, finish(), rateLimited);
    }

    this.metrics.reconcileRuns.inc({ campaign: campaignId, result: 'success' });
    this.countCorrections(campaignId, report);
    const corrected = report.changed + report.created;
    const line = `reconcile campaign ${campaignId} (${report.mode} ${report.since}..${report.until}${resumed ? ', resumed' : ''}): corrected ${corrected} order(s) Market's notifications missed; ${describe(report)}`;
    if (corrected > 0) this.logger.warn(line);
    else this.logger.log(line);
    return finish();
  }

  private countCorrections(campaignId: string, report: ReconcileReport): void {
    const corrected = report.changed + report.created;
    if (corrected > 0) this.metrics.reconcileCorrected.inc({ campaign: campaignId }, corrected);
  }

  /** One page, waiting out Market's rate limits (420/429, X-RateLimit-*) up to MAX_INLINE_WAIT_MS each time. */
  private async fetchPage(campaignId: string, businessId: string, from: Date, to: Date, pageToken: string | null): Promise<Page> {
    for (let waits = 0; ; waits++) {
      const call = await this.client.searchBusinessOrders(
        businessId,
        campaignId,
        { updateDateFrom: toMarketDateTime(from), updateDateTo: toMarketDateTime(to) },
        { pageToken, limit: RECONCILE_PAGE_SIZE },
      );
      if (call.status >= 200 && call.status < 300) return parsePage(call);
      const limited = call.status === 420 || call.status === 429 || (call.status === 0 && call.retryAfterSeconds !== undefined);
      if (!limited) {
        if (call.status === 400 && pageToken) throw new PageTokenRefused(call.error ?? 'Market answered 400');
        throw new Error(call.error ?? `Market answered ${call.status}`);
      }
      const waitMs = Math.max(1000, (call.retryAfterSeconds ?? 2 ** waits) * 1000);
      if (waits >= MAX_RATE_LIMIT_WAITS || waitMs > MAX_INLINE_WAIT_MS) {
        throw new RateLimited(`Market's rate limit for getBusinessOrders (business ${businessId}) holds for ${Math.ceil(waitMs / 1000)} s more: ${call.error ?? call.status}`);
      }
      this.metrics.reconcileBackoffs.inc({ campaign: campaignId });
      this.logger.log(`reconcile campaign ${campaignId}: rate limited (${call.error ?? call.status}); waiting ${Math.ceil(waitMs / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      if (this.stopping) throw new Error('the process is shutting down');
    }
  }

  /** One pulled order through the notification path, in a transaction of its own. */
  private async applyOrder(defaultCampaignId: string, o: BusinessOrder, report: ReconcileReport): Promise<void> {
    report.seen++;
    const orderId = idOf(o.orderId);
    const campaignId = idOf(o.campaignId) ?? defaultCampaignId;
    const status = typeof o.status === 'string' ? o.status : null;
    const substatus = typeof o.substatus === 'string' ? o.substatus : null;
    const updatedAt = normaliseMarketDate(o.updateDate) ?? normaliseMarketDate(o.updatedAt) ?? normaliseMarketDate(o.creationDate);
    if (!orderId || !status || !updatedAt) {
      report.unchanged++;
      report.outcomes.malformed = (report.outcomes.malformed ?? 0) + 1;
      this.logger.warn(`reconcile campaign ${defaultCampaignId}: skipped an order without orderId, status or a readable update time (${String(o.orderId)})`);
      return;
    }
    const identity = { market: { campaignId, orderId } };
    // A pull cannot be refused: a Market clock running ahead makes the state count as pulled now.
    const eventTime = boundEventTime(updatedAt, new Date(), this.config.eventTimeMaxSkewMs);
    const result: ApplyResult = await this.dataSource.transaction(async (manager) => {
      const known = await this.orders.findByIdentity(identity, manager);
      return this.orders.applyStatus(
        {
          source: 'market_poll',
          mappingSource: 'market',
          identity,
          externalCode: status,
          externalSubstatus: substatus ?? undefined,
          eventAt: eventTime.at,
          // Market's own time: pulling the same state again is a repeat, whenever it is pulled.
          dedupeKey: `market_poll:${campaignId}:${orderId}:${status}:${substatus ?? ''}:${updatedAt.toISOString()}`,
          // An order we never heard of gets its items, as ORDER_CREATED would have given them.
          items: known ? undefined : (o.items ?? []).map((item) => ({ offerId: item.offerId, name: item.offerName, count: item.count })) as never,
          payload: { campaignId, orderId, status, substatus, updateDate: o.updateDate ?? o.updatedAt ?? null },
          note: withNote('pulled from Market (reconciliation)', eventTime.note),
        },
        manager,
      );
    });
    if (result.created) report.created++;
    else if (result.statusChanged) report.changed++;
    else report.unchanged++;
    const key = result.created ? 'created' : result.outcome;
    report.outcomes[key] = (report.outcomes[key] ?? 0) + 1;
  }
}

class RateLimited extends Error {}
class PageTokenRefused extends Error {}

function parsePage(call: MarketCallResult): Page {
  const body = call.body as { orders?: unknown; paging?: { nextPageToken?: unknown } } | null;
  if (!body || typeof body !== 'object' || !Array.isArray(body.orders)) throw new Error('Market answered without an orders list');
  const token = body.paging?.nextPageToken;
  return { orders: body.orders as BusinessOrder[], nextPageToken: typeof token === 'string' && token ? token : null };
}

function idOf(value: unknown): string | null {
  const text = typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : '') : typeof value === 'string' ? value : '';
  return /^[1-9]\d{0,18}$/.test(text) ? text : null;
}

function countsOf(report: ReconcileReport): Record<string, number> {
  return { seen: report.seen, changed: report.changed, created: report.created, unchanged: report.unchanged, pages: report.pages };
}

function describe(report: ReconcileReport): string {
  return `seen ${report.seen}, changed ${report.changed}, created ${report.created}, unchanged ${report.unchanged} in ${report.pages} page(s)`;
}
