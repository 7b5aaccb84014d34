import { Column, Entity, PrimaryColumn } from 'typeorm';

export const PAUSE_REASONS = ['auto', 'manual'] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

/**
 * Health of one outbound target (imshop, market, ...): since when it fails without a single success in
 * between, and whether its deliveries are paused. A row appears on the target's first failure or pause.
 */
@Entity('delivery_targets')
export class DeliveryTarget {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  target: string;

  /** Paused: its deliveries wait as they are (no attempts) until it is resumed. */
  @Column({ type: 'boolean', default: false })
  paused: boolean;

  /** auto: failing for PAUSE_AFTER_MINUTES (the probe resumes it); manual: by an admin (only an admin resumes it). */
  @Column({ name: 'pause_reason', type: 'varchar', length: 8, nullable: true })
  pauseReason: PauseReason | null;

  @Column({ name: 'paused_at', type: 'timestamptz', nullable: true })
  pausedAt: Date | null;

  @Column({ name: 'paused_by', type: 'varchar', length: 64, nullable: true })
  pausedBy: string | null;

  /** First failed attempt since the last success; null while healthy. */
  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince: Date | null;

  @Column({ name: 'consecutive_failures', type: 'int', default: 0 })
  consecutiveFailures: number;

  @Column({ name: 'last_failure_at', type: 'timestamptz', nullable: true })
  lastFailureAt: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError: string | null;

  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true })
  lastSuccessAt: Date | null;

  @Column({ name: 'last_probe_at', type: 'timestamptz', nullable: true })
  lastProbeAt: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
