import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const REPLAY_SOURCES = ['market', 'imshop_ticket'] as const;
export type ReplaySource = (typeof REPLAY_SOURCES)[number];

export const REPLAY_STATES = ['running', 'done', 'failed', 'interrupted'] as const;
export type ReplayState = (typeof REPLAY_STATES)[number];

/** One replay of stored inbound events (POST /admin/events/replay), with its progress and counts. */
@Entity('replay_runs')
export class ReplayRun {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ type: 'varchar', length: 12 })
  state: ReplayState;

  @Column({ type: 'varchar', length: 16 })
  source: ReplaySource;

  /** The selection: an id list, or a received-at range [since, until). */
  @Column({ name: 'event_ids', type: 'jsonb', nullable: true })
  eventIds: string[] | null;

  @Column({ type: 'timestamptz', nullable: true })
  since: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  until: Date | null;

  /** The mapping revision the replay ran under; part of the history dedupe key of what it applies. */
  @Column({ name: 'mapping_revision', type: 'bigint' })
  mappingRevision: string;

  @Column({ type: 'varchar', length: 64 })
  actor: string;

  /** True when the run went on in the background (more than REPLAY_SYNC_LIMIT events). */
  @Column({ type: 'boolean', default: false })
  background: boolean;

  @Column({ type: 'int', default: 0 })
  matched: number;

  @Column({ type: 'int', default: 0 })
  processed: number;

  @Column({ type: 'int', default: 0 })
  applied: number;

  @Column({ type: 'int', default: 0 })
  unchanged: number;

  @Column({ type: 'int', default: 0 })
  failed: number;

  /** Counts by the outcome each event had (applied, unchanged, stale, duplicate, rejected, unmapped, info, recorded, stored, failed). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  outcomes: Record<string, number>;

  /** The last event processed: the run's cursor. */
  @Column({ name: 'last_event_id', type: 'bigint', nullable: true })
  lastEventId: string | null;

  /** The first failures, each {eventId, error}. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  errors: { eventId: string; error: string }[];

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
