import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const DELIVERY_STATES = ['pending', 'retrying', 'in_flight', 'sent', 'dead', 'superseded'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/**
 * One status change to deliver to one target (the transactional outbox). Written in the transaction
 * that changed the order; the queue only carries its id, so a lost job loses nothing. A delivery being
 * attempted is `in_flight`, at most one per order and target (a partial unique index).
 */
@Entity('deliveries')
@Index('ix_deliveries_due', ['state', 'nextAttemptAt'])
@Index('ix_deliveries_order_target', ['orderId', 'target', 'changeSeq'])
@Index('ux_deliveries_in_flight', ['orderId', 'target'], { unique: true, where: "state = 'in_flight'" })
export class Delivery {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ type: 'varchar', length: 16 })
  target: string;

  /** The order-history row of the change: orders changes per order, so "newer" is a larger number. */
  @Column({ name: 'change_seq', type: 'bigint' })
  changeSeq: string;

  @Column({ name: 'internal_status', type: 'varchar', length: 32, nullable: true })
  internalStatus: string | null;

  /** The exact body sent to the target. */
  @Column({ type: 'jsonb' })
  payload: unknown;

  @Column({ type: 'varchar', length: 12, default: 'pending' })
  state: DeliveryState;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  /** When it is due; while in flight, when it is due again if its outcome is never recorded (its backoff step). */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  /** While in flight: until when its worker holds it (renewed while the worker lives; the sweeper releases an expired one). */
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil: Date | null;

  /** The claim that last took it: only that claim's worker renews its lease or records its outcome. */
  @Column({ name: 'lease_token', type: 'uuid', nullable: true, select: false })
  leaseToken: string | null;

  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError: string | null;

  /** The target's answer to the successful attempt (IMSHOP's uuid, imshopStatus, ...). */
  @Column({ type: 'jsonb', nullable: true })
  response: unknown;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
