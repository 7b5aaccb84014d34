import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Every notification Market sent us, stored before we answer (the inbox). Known and unknown types
 * alike; a repeat of the same event bumps `duplicateCount` instead of adding a row.
 */
@Entity('market_events')
@Index('uq_market_events_dedupe_key', ['dedupeKey'], { unique: true })
@Index('ix_market_events_type', ['notificationType', 'id'])
@Index('ix_market_events_order', ['campaignId', 'orderId'])
@Index('ix_market_events_received', ['receivedAt'])
export class MarketEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'dedupe_key', type: 'varchar', length: 512 })
  dedupeKey: string;

  @Column({ name: 'notification_type', type: 'varchar', length: 64 })
  notificationType: string;

  /** False for a type this version does not know: stored, answered 200, left for a later version. */
  @Column({ type: 'boolean' })
  known: boolean;

  /** What the event did: applied, stale, rejected, unmapped, recorded, stored, unhandled, ... */
  @Column({ type: 'varchar', length: 16 })
  outcome: string;

  @Column({ name: 'campaign_id', type: 'bigint', nullable: true })
  campaignId: string | null;

  @Column({ name: 'order_id', type: 'bigint', nullable: true })
  orderId: string | null;

  @Column({ name: 'event_at', type: 'timestamptz', nullable: true })
  eventAt: Date | null;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ name: 'duplicate_count', type: 'int', default: 0 })
  duplicateCount: number;

  @Column({ name: 'last_duplicate_at', type: 'timestamptz', nullable: true })
  lastDuplicateAt: Date | null;

  /** The body as Market sent it, parsed without rounding int64 ids (they are strings here). */
  @Column({ type: 'jsonb' })
  payload: unknown;
}
