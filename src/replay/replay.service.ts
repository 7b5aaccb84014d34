import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InvalidInputError, NotFoundError } from '../common/domain-error';
import type { StoredEventSelection } from '../common/stored-event-selection';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Handles } from '../events/channels';
import { TicketEventsService } from '../imshop-tickets/ticket-events.service';
import { MarketEventsService } from '../market/market-events.service';
import { MarketNotificationService } from '../market/market-notification.service';
import { MetricsService } from '../metrics/metrics.service';
import { deleteInBatches, RETENTION_STEP, type RetentionCutoffs } from '../retention/retention-step';
import { StatusMappingService } from '../status-mapping/status-mapping.service';
import type { ReplayEventsDto } from './dto/replay-events.dto';
import type { ReplayRun, ReplaySource } from './replay-run.entity';
import { ReplayRepository } from './replay.repository';

/** Events read and processed per round; the run's progress is saved after each. */
const BATCH = 100;
/** At most this many failures are kept on the run with their error. */
const MAX_ERRORS = 20;
/** A running run whose progress did not move for this long belonged to a process that stopped. */
const STALE_RUN_MS = 5 * 60_000;

/** Where a source's stored events are: the module that owns them counts, pages and re-processes them. */
interface StoredEvents {
  count(selection: StoredEventSelection): Promise<number>;
  idsAfter(selection: StoredEventSelection, afterId: string, limit: number): Promise<string[]>;
  reprocess(id: string, historyKeyPrefix: string): Promise<string>;
}

/**
 * Replays stored inbound events through the same code as live traffic (the inbox services' `reprocess`).
 * Each replayed effect gets the history dedupe key `replay:<mapping revision>:<original key>`: the
 * original event already holds its own key, so a replay after a mapping fix applies once, the same replay
 * again (same revision) is a no-op, and latest-event-time-wins keeps a replay from moving an order back.
 */
@Injectable()
export class ReplayService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Replay');
  private readonly background = new Set<Promise<void>>();
  private stopping = false;

  private readonly sources: Record<ReplaySource, StoredEvents>;

  constructor(
    private readonly repository: ReplayRepository,
    private readonly mappings: StatusMappingService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly market: MarketNotificationService,
    private readonly tickets: TicketEventsService,
    private readonly metrics: MetricsService,
    marketEvents: MarketEventsService,
  ) {
    this.sources = {
      market: {
        count: (selection) => marketEvents.countStored(selection),
        idsAfter: (selection, afterId, limit) => marketEvents.storedIdsAfter(selection, afterId, limit),
        reprocess: (id, prefix) => this.market.reprocess(id, prefix),
      },
      imshop_ticket: {
        count: (selection) => this.tickets.countStoredEvents(selection),
        idsAfter: (selection, afterId, limit) => this.tickets.storedEventIdsAfter(selection, afterId, limit),
        reprocess: (id, prefix) => this.tickets.reprocess(id, prefix),
      },
    };
  }

  /** Starts a replay; small ones finish before this returns, larger ones go on in the background. */
  async start(dto: ReplayEventsDto, actor: string): Promise<ReplayRun> {
    if (dto.ids && (dto.since !== undefined || dto.until !== undefined)) throw new InvalidInputError(['ids: give either ids or since/until, not both']);
    if (!dto.ids && dto.since === undefined) throw new InvalidInputError(['since: give since (and optionally until), or ids']);
    const since = dto.since !== undefined ? new Date(dto.since) : null;
    const until = dto.ids ? null : dto.until !== undefined ? new Date(dto.until) : new Date();
    if (since && until && until <= since) throw new InvalidInputError(['until must be later than since']);
    const ids = dto.ids ? [...new Set(dto.ids)] : null;

    const revision = await this.mappings.currentRevision();
    const n = await this.sources[dto.source].count(selectionOf(ids, since, until));
    const background = n > this.config.operations.replaySyncLimit;
    const run = await this.repository.create({
      state: 'running',
      source: dto.source,
      eventIds: ids,
      since,
      until,
      mappingRevision: revision,
      actor,
      background,
      matched: n,
    } as Partial<ReplayRun>);
    this.logger.log(`replay ${run.id} by ${actor}: ${n} ${dto.source} events, mapping revision ${revision}${background ? ', in the background' : ''}`);
    if (!background) {
      await this.execute(run.id);
      return this.get(run.id);
    }
    const job = this.execute(run.id)
      .catch((error: Error) => this.logger.error(`replay ${run.id} failed: ${error.message}`))
      .finally(() => this.background.delete(job));
    this.background.add(job);
    return this.get(run.id);
  }

  async get(id: string): Promise<ReplayRun> {
    const run = await this.repository.findById(id);
    if (!run) throw new NotFoundError(`replay run ${id} does not exist`);
    if (run.state === 'running' && Date.now() - new Date(run.updatedAt).getTime() > STALE_RUN_MS) {
      await this.repository.markInterrupted(id, true);
      return (await this.repository.findById(id))!;
    }
    return run;
  }

  async list(limit = 50): Promise<ReplayRun[]> {
    return this.repository.list(limit);
  }

  /** Waits for background runs (a graceful stop, before the database closes); they stop after their current batch. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.background]);
  }

  /** The retention job's step for replay_runs: finished runs as old as the inbound events retention deletes. */
  @Handles(RETENTION_STEP, 'replay_runs')
  async deleteOldRuns(cutoffs: RetentionCutoffs): Promise<number> {
    return deleteInBatches(cutoffs.batchSize, (limit) => this.repository.deleteFinishedBefore(cutoffs.eventsBefore, limit));
  }

  private async execute(runId: string): Promise<void> {
    const run = (await this.repository.findById(runId))!;
    const source = this.sources[run.source];
    const selection = selectionOf(run.eventIds, run.since, run.until);
    const prefix = `replay:${run.mappingRevision}:`;
    let cursor = run.lastEventId ?? '0';
    try {
      for (;;) {
        if (this.stopping) {
          await this.repository.markInterrupted(runId);
          this.logger.warn(`replay ${runId} interrupted by shutdown after event ${cursor}; replaying again is safe`);
          return;
        }
        const ids = await source.idsAfter(selection, cursor, BATCH);
        if (!ids.length) break;
        for (const id of ids) {
          let outcome: string;
          try {
            outcome = await source.reprocess(id, prefix);
          } catch (error) {
            outcome = 'failed';
            if (run.errors.length < MAX_ERRORS) run.errors.push({ eventId: id, error: (error as Error).message.slice(0, 300) });
          }
          const result = outcome === 'applied' ? 'applied' : outcome === 'failed' ? 'failed' : 'unchanged';
          run[result] += 1;
          run.processed += 1;
          run.outcomes[outcome] = (run.outcomes[outcome] ?? 0) + 1;
          this.metrics.replayedEvents.inc({ source: run.source, result });
        }
        cursor = ids[ids.length - 1];
        await this.repository.saveProgress(run, cursor);
        if (ids.length < BATCH) break;
      }
      await this.repository.markDone(runId);
      const done = (await this.repository.findById(runId))!;
      this.logger.log(`replay ${runId} done: ${done.matched} matched, ${done.applied} applied, ${done.unchanged} unchanged, ${done.failed} failed`);
    } catch (error) {
      await this.repository.markFailed(runId, { eventId: cursor, error: (error as Error).message.slice(0, 300) }).catch(() => undefined);
      throw error;
    }
  }
}

function selectionOf(ids: string[] | null, since: Date | null, until: Date | null): StoredEventSelection {
  return ids ? { ids } : { since: since!, until: until! };
}
