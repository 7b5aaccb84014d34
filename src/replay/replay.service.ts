import { BadRequestException, BeforeApplicationShutdown, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { TicketEventsService } from '../imshop-tickets/ticket-events.service';
import { MarketNotificationService } from '../market/market-notification.service';
import { MetricsService } from '../metrics/metrics.service';
import type { ReplayEventsDto } from './dto/replay-events.dto';
import { ReplayRun, type ReplaySource } from './replay-run.entity';

/** Events read and processed per round; the run's progress is saved after each. */
const BATCH = 100;
/** At most this many failures are kept on the run with their error. */
const MAX_ERRORS = 20;
/** A running run whose progress did not move for this long belonged to a process that stopped. */
const STALE_RUN_MS = 5 * 60_000;

const TABLES: Record<ReplaySource, string> = { market: 'market_events', imshop_ticket: 'imshop_ticket_events' };

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

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly market: MarketNotificationService,
    private readonly tickets: TicketEventsService,
    private readonly metrics: MetricsService,
  ) {}

  /** Starts a replay; small ones finish before this returns, larger ones go on in the background. */
  async start(dto: ReplayEventsDto, actor: string): Promise<ReplayRun> {
    if (dto.ids && (dto.since !== undefined || dto.until !== undefined)) throw new BadRequestException(['ids: give either ids or since/until, not both']);
    if (!dto.ids && dto.since === undefined) throw new BadRequestException(['since: give since (and optionally until), or ids']);
    const since = dto.since !== undefined ? new Date(dto.since) : null;
    const until = dto.ids ? null : dto.until !== undefined ? new Date(dto.until) : new Date();
    if (since && until && until <= since) throw new BadRequestException(['until must be later than since']);
    const ids = dto.ids ? [...new Set(dto.ids)] : null;

    const [{ revision }] = (await this.dataSource.query('SELECT revision::text AS revision FROM status_mapping_revision WHERE id = 1')) as { revision: string }[];
    const selection = this.selection(dto.source, ids, since, until);
    const [{ n }] = (await this.dataSource.query(`SELECT count(*)::int AS n FROM ${TABLES[dto.source]} e WHERE ${selection.where}`, selection.params)) as { n: number }[];
    const background = n > this.config.operations.replaySyncLimit;
    const run = await this.dataSource.getRepository(ReplayRun).save({
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
    const repo = this.dataSource.getRepository(ReplayRun);
    const run = await repo.findOneBy({ id });
    if (!run) throw new NotFoundException(`replay run ${id} does not exist`);
    if (run.state === 'running' && Date.now() - new Date(run.updatedAt).getTime() > STALE_RUN_MS) {
      // Its process stopped (restart, crash): the counts are what it did. Replaying again is safe.
      await this.dataSource.query(`UPDATE replay_runs SET state = 'interrupted', finished_at = now() WHERE id = $1 AND state = 'running'`, [id]);
      return (await repo.findOneBy({ id }))!;
    }
    return run;
  }

  async list(limit = 50): Promise<ReplayRun[]> {
    return this.dataSource.getRepository(ReplayRun).find({ order: { id: 'DESC' }, take: limit });
  }

  /** Waits for background runs (a graceful stop, before the database closes); they stop after their current batch. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.background]);
  }

  private selection(source: ReplaySource, ids: string[] | null, since: Date | null, until: Date | null): { where: string; params: unknown[] } {
    if (ids) return { where: 'e.id = ANY($1::bigint[])', params: [ids] };
    return { where: 'e.received_at >= $1 AND e.received_at < $2', params: [since, until] };
  }

  private async execute(runId: string): Promise<void> {
    const run = (await this.dataSource.getRepository(ReplayRun).findOneBy({ id: runId }))!;
    const selection = this.selection(run.source, run.eventIds, run.since, run.until);
    const prefix = `replay:${run.mappingRevision}:`;
    const cursorParam = selection.params.length + 1;
    let cursor = run.lastEventId ?? '0';
    try {
      for (;;) {
        if (this.stopping) {
          await this.dataSource.query(`UPDATE replay_runs SET state = 'interrupted', updated_at = now(), finished_at = now() WHERE id = $1`, [runId]);
          this.logger.warn(`replay ${runId} interrupted by shutdown after event ${cursor}; replaying again is safe`);
          return;
        }
        const rows = (await this.dataSource.query(
          `SELECT e.id FROM ${TABLES[run.source]} e WHERE ${selection.where} AND e.id > $${cursorParam} ORDER BY e.id LIMIT ${BATCH}`,
          [...selection.params, cursor],
        )) as { id: string }[];
        if (!rows.length) break;
        for (const { id } of rows) {
          let outcome: string;
          try {
            outcome = run.source === 'market' ? await this.market.reprocess(id, prefix) : await this.tickets.reprocess(id, prefix);
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
        cursor = rows[rows.length - 1].id;
        // One process runs a replay, so its counts are kept here and written after each batch (the progress).
        await this.dataSource.query(
          `UPDATE replay_runs SET processed = $2, applied = $3, unchanged = $4, failed = $5, outcomes = $6, errors = $7, last_event_id = $8, updated_at = now()
           WHERE id = $1`,
          [runId, run.processed, run.applied, run.unchanged, run.failed, JSON.stringify(run.outcomes), JSON.stringify(run.errors), cursor],
        );
        if (rows.length < BATCH) break;
      }
      await this.dataSource.query(`UPDATE replay_runs SET state = 'done', updated_at = now(), finished_at = now() WHERE id = $1`, [runId]);
      const done = (await this.dataSource.getRepository(ReplayRun).findOneBy({ id: runId }))!;
      this.logger.log(`replay ${runId} done: ${done.matched} matched, ${done.applied} applied, ${done.unchanged} unchanged, ${done.failed} failed`);
    } catch (error) {
      await this.dataSource
        .query(`UPDATE replay_runs SET state = 'failed', updated_at = now(), finished_at = now(), errors = errors || $2::jsonb WHERE id = $1`, [
          runId,
          JSON.stringify([{ eventId: cursor, error: (error as Error).message.slice(0, 300) }]),
        ])
        .catch(() => undefined);
      throw error;
    }
  }
}
