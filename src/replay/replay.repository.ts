import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ReplayRun } from './replay-run.entity';

/** The SQL of replay runs (replay_runs): their record and progress. */
@Injectable()
export class ReplayRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  create(run: Partial<ReplayRun>): Promise<ReplayRun> {
    return this.dataSource.getRepository(ReplayRun).save(run);
  }

  findById(id: string): Promise<ReplayRun | null> {
    return this.dataSource.getRepository(ReplayRun).findOneBy({ id });
  }

  list(limit: number): Promise<ReplayRun[]> {
    return this.dataSource.getRepository(ReplayRun).find({ order: { id: 'DESC' }, take: limit });
  }

  /** A running run ends as interrupted (`whileRunning`: only if it is still running). */
  async markInterrupted(id: string, whileRunning = false): Promise<void> {
    await this.dataSource.query(
      `UPDATE replay_runs SET state = 'interrupted', updated_at = now(), finished_at = now() WHERE id = $1${whileRunning ? " AND state = 'running'" : ''}`,
      [id],
    );
  }

  async saveProgress(run: ReplayRun, lastEventId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE replay_runs SET processed = $2, applied = $3, unchanged = $4, failed = $5, outcomes = $6, errors = $7, last_event_id = $8, updated_at = now()
       WHERE id = $1`,
      [run.id, run.processed, run.applied, run.unchanged, run.failed, JSON.stringify(run.outcomes), JSON.stringify(run.errors), lastEventId],
    );
  }

  async markDone(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE replay_runs SET state = 'done', updated_at = now(), finished_at = now() WHERE id = $1`, [id]);
  }

  async markFailed(id: string, error: { eventId: string; error: string }): Promise<void> {
    await this.dataSource.query(
      `UPDATE replay_runs SET state = 'failed', updated_at = now(), finished_at = now(), errors = errors || $2::jsonb WHERE id = $1`,
      [id, JSON.stringify([error])],
    );
  }

  /** One batch of finished runs started before `before` (retention). */
  async deleteFinishedBefore(before: Date, limit: number): Promise<number> {
    const [{ n }] = (await this.dataSource.query(
      `WITH gone AS (DELETE FROM replay_runs WHERE id IN (SELECT id FROM replay_runs WHERE state <> 'running' AND started_at < $1 ORDER BY id LIMIT $2) RETURNING id)
       SELECT count(*)::int AS n FROM gone`,
      [before, limit],
    )) as { n: number }[];
    return n;
  }
}
