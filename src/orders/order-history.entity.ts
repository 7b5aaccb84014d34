import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { OrderStatus } from './order-status';

/**
 * What an event did to the order:
 * - applied: the current status moved;
 * - unchanged: same status again (its time may still advance the order's clock);
 * - stale: older than the last applied status, kept for the record only;
 * - rejected: the state machine refused the transition;
 * - unmapped: no mapping row (or a "no change" row) for the source's code;
 * - info: an event that carries no status (tracking, items, ticket bookkeeping).
 */
export const HISTORY_OUTCOMES = ['applied', 'unchanged', 'stale', 'rejected', 'unmapped', 'info'] as const;
export type HistoryOutcome = (typeof HISTORY_OUTCOMES)[number];

@Entity('order_history')
@Index('uq_order_history_dedupe_key', ['dedupeKey'], { unique: true, where: '"dedupe_key" IS NOT NULL' })
@Index('ix_order_history_order', ['orderId', 'id'])
export class OrderHistoryEntry {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  /** The foreign key to its order (named by the entity, so this file need not import it: no import cycle). */
  @ManyToOne('Order', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id' })
  order?: object;

  @Column({ type: 'varchar', length: 32 })
  source: string;

  @Column({ name: 'dedupe_key', type: 'varchar', length: 512, nullable: true })
  dedupeKey: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome: HistoryOutcome;

  @Column({ name: 'from_status', type: 'varchar', length: 32, nullable: true })
  fromStatus: OrderStatus | null;

  @Column({ name: 'to_status', type: 'varchar', length: 32, nullable: true })
  toStatus: OrderStatus | null;

  @Column({ name: 'external_code', type: 'varchar', length: 128, nullable: true })
  externalCode: string | null;

  @Column({ name: 'external_substatus', type: 'varchar', length: 128, nullable: true })
  externalSubstatus: string | null;

  @Column({ name: 'event_at', type: 'timestamptz' })
  eventAt: Date;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ type: 'varchar', length: 512, nullable: true })
  note: string | null;

  @Column({ type: 'jsonb', nullable: true })
  payload: unknown;
}
