import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { boundEventTime, withNote } from '../common/event-time';
import type { PeerCallResult } from '../common/peer-http';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Channels } from '../events/channels';
import { MarketApiClient } from '../market-api/market-api.client';
import {
  marketIdOf,
  orderItemsFromMarket,
  parseBusinessOrders,
  type MarketBusinessOrder,
  type MarketBusinessOrderPage,
} from '../market-api/market-business-order';
import { MARKET_ORDER_NOTIFIED } from '../market/market-order-notice';
import { MetricsService } from '../metrics/metrics.service';
import { OrdersService, type ApplyResult } from '../orders/orders.service';
import { normaliseMarketDate, toMarketDateTime } from './market-date';
import { MarketReconcileRepository } from './market-reconcile.repository';
import { ReconcileError, type ReconcileReport, type ReconcileStop } from './reconcile-report';

/** Orders per page (Market's maximum for this method). */
export const RECONCILE_PAGE_SIZE = 50;
/** A campaign's first pull looks back this far. */
const FIRST_LOOKBACK_MS = 24 * 3_600_000;
/** Each window starts this long before the previous one ended: Market may index a change late. Re-reads are deduplicated. */
const OVERLAP_MS = 5 * 60_000;
/**
 * Pages one run reads at most (5,000 orders): a run of the cursor that has more goes on from there next time, so a
 * Market that always has a next page cannot spend getBusinessOrders' hourly limit (10,000 requests) in one run.
 */
export const MAX_PAGES_PER_RUN = 100;
/** Waits for a rate limit inside a run; a longer one ends the run (the cursor stays, the next run resumes). */
const MAX_INLINE_WAIT_MS = 60_000;
const MAX_RATE_LIMIT_WAITS = 5;

/**
 * One campaign's pull: the orders Market changed in a window (`POST v1/businesses/{businessId}/orders` with an
 * update-time window, page by page), each applied through `OrdersService.applyStatus` as source `market_poll`
 * with the order's update time as the event time, the cursor moving past each page once it is applied.
 */
@Injectable()
export class ReconcilePull implements OnModuleDestroy {
  private readonly logger = new Logger('Reconcile');
  private stopping = false;

  constructor(
    private readonly repository: MarketReconcileRepository,
    private readonly client: MarketApiClient,
    private readonly orders: OrdersService,
    private readonly metrics: MetricsService,
    private readonly channels: Channels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleDestroy(): void {
    this.stopping = true;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** One campaign, page by page, under the campaign's lock (held by the caller). */
  async pull(campaignId: string, businessId: string, window?: { since: Date; until: Date }): Promise<ReconcileReport> {
    const started = Date.now();
    let from: Date;
    let to: Date;
    let pageToken: string | null = null;
    let resumed = false;
    if (window) {
      from = window.since;
      to = window.until;
    } else {
      const cursor = await this.repository.ensureCursor(campaignId, businessId);
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
        await this.repository.startRun(campaignId, from, to);
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
    /** The page tokens this run was given (and the one it resumed at): one given again means Market loops. */
    const tokensSeen = new Set<string>(pageToken ? [pageToken] : []);

    try {
      for (;;) {
        if (this.stopping) throw new ReconcileError('the process is shutting down', finish(), false);
        let page: MarketBusinessOrderPage;
        try {
          page = await this.fetchPage(campaignId, businessId, from, to, pageToken);
        } catch (error) {
          // Market may refuse a page token kept from an interrupted run (expired): start that window over.
          if (error instanceof PageTokenRefused && resumed && pageToken) {
            this.logger.warn(
              `reconcile campaign ${campaignId}: Market refused the stored page token; reading the window ${from.toISOString()}..${to.toISOString()} from its first page`,
            );
            pageToken = null;
            resumed = false;
            continue;
          }
          throw error;
        }
        for (const order of page.orders) await this.applyOrder(campaignId, order, report);
        report.pages++;
        if (page.nextPageToken && tokensSeen.has(page.nextPageToken)) {
          // The cursor stays at the page just read: the next run reads it once, sees the same token, and stops again.
          throw new RunStopped({
            reason: 'page_token_repeated',
            message: `Market gave a page token it had given before in this run (after ${report.pages} page(s)): reading on would read the same pages forever`,
          });
        }
        pageToken = page.nextPageToken;
        if (pageToken) tokensSeen.add(pageToken);
        if (!window) {
          // The page is applied: only now does the cursor move past it.
          if (pageToken) {
            await this.repository.pageDone(campaignId, pageToken);
          } else {
            await this.repository.runDone(campaignId, to, countsOf(report));
          }
        }
        if (!pageToken) break;
        if (report.pages >= MAX_PAGES_PER_RUN) {
          report.stopped = {
            reason: 'page_limit',
            message: window
              ? `stopped after ${MAX_PAGES_PER_RUN} pages (the most one run reads): the rest of the window was not read; reconcile shorter windows`
              : `stopped after ${MAX_PAGES_PER_RUN} pages (the most one run reads): the next run goes on from the next page`,
          };
          break;
        }
      }
    } catch (error) {
      const rateLimited = error instanceof RateLimited;
      const stopped = error instanceof RunStopped ? error.stop : undefined;
      if (stopped) report.stopped = stopped;
      const message =
        error instanceof ReconcileError || stopped ? (error as Error).message : `reconcile stopped after ${report.pages} page(s): ${(error as Error).message}`;
      this.metrics.reconcileRuns.inc({ campaign: campaignId, result: stopped?.reason ?? (rateLimited ? 'rate_limited' : 'failed') });
      this.countCorrections(campaignId, report);
      if (!window) {
        await (stopped ? this.repository.runStopped(campaignId, stopped.reason, message) : this.repository.runFailed(campaignId, message)).catch(
          () => undefined,
        );
      }
      this.logger.warn(`reconcile campaign ${campaignId}: ${message}; ${describe(report)} (the next run resumes from the unfinished page)`);
      throw new ReconcileError(message, finish(), rateLimited);
    }

    this.metrics.reconcileRuns.inc({ campaign: campaignId, result: report.stopped?.reason ?? 'success' });
    this.countCorrections(campaignId, report);
    if (report.stopped) {
      if (!window) await this.repository.runStopped(campaignId, report.stopped.reason, null);
      this.logger.warn(`reconcile campaign ${campaignId}: ${report.stopped.message}; ${describe(report)}`);
      return finish();
    }
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
  private async fetchPage(campaignId: string, businessId: string, from: Date, to: Date, pageToken: string | null): Promise<MarketBusinessOrderPage> {
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
        throw new RateLimited(
          `Market's rate limit for getBusinessOrders (business ${businessId}) holds for ${Math.ceil(waitMs / 1000)} s more: ${call.error ?? call.status}`,
        );
      }
      this.metrics.reconcileBackoffs.inc({ campaign: campaignId });
      this.logger.log(`reconcile campaign ${campaignId}: rate limited (${call.error ?? call.status}); waiting ${Math.ceil(waitMs / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      if (this.stopping) throw new Error('the process is shutting down');
    }
  }

  /** One pulled order through the notification path, in a transaction of its own. */
  private async applyOrder(defaultCampaignId: string, o: MarketBusinessOrder, report: ReconcileReport): Promise<void> {
    report.seen++;
    const orderId = marketIdOf(o.orderId);
    const campaignId = marketIdOf(o.campaignId) ?? defaultCampaignId;
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
    const result: ApplyResult = await this.orders.transaction(async (tx) => {
      const known = await this.orders.findByIdentity(identity, tx);
      const applied = await this.orders.applyStatus(
        {
          source: 'market_poll',
          identity,
          externalCode: status,
          externalSubstatus: substatus ?? undefined,
          eventAt: eventTime.at,
          // Market's own time: pulling the same state again is a repeat, whenever it is pulled.
          dedupeKey: `market_poll:${campaignId}:${orderId}:${status}:${substatus ?? ''}:${updatedAt.toISOString()}`,
          // An order we never heard of gets its items, as ORDER_CREATED would have given them.
          items: known ? undefined : orderItemsFromMarket(o.items),
          payload: { campaignId, orderId, status, substatus, updateDate: o.updateDate ?? o.updatedAt ?? null },
          note: withNote('pulled from Market (reconciliation)', eventTime.note),
        },
        tx,
      );
      // What the pull caught starts what its notification would have (the Market loop), in this transaction.
      if (applied.change) {
        await this.channels.publish(MARKET_ORDER_NOTIFIED, {
          notified: { notice: { kind: 'status', status, substatus }, via: 'pull', at: eventTime.at, change: applied.change },
          tx,
        });
      }
      return applied;
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

/** Market's paging cannot be followed further in this run. */
class RunStopped extends Error {
  constructor(readonly stop: ReconcileStop) {
    super(stop.message);
  }
}

function parsePage(call: PeerCallResult): MarketBusinessOrderPage {
  const page = parseBusinessOrders(call.body);
  if (!page) throw new Error('Market answered without an orders list');
  return page;
}

function countsOf(report: ReconcileReport): Record<string, number> {
  return { seen: report.seen, changed: report.changed, created: report.created, unchanged: report.unchanged, pages: report.pages };
}

function describe(report: ReconcileReport): string {
  return `seen ${report.seen}, changed ${report.changed}, created ${report.created}, unchanged ${report.unchanged} in ${report.pages} page(s)`;
}
