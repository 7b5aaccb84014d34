import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Every HTTP attempt of a delivery: what came back and how long it took. */
@Entity('delivery_attempts')
@Index('ix_delivery_attempts_delivery', ['deliveryId', 'attempt'])
@Index('ix_delivery_attempts_started', ['startedAt'])
export class DeliveryAttempt {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'delivery_id', type: 'bigint' })
  deliveryId: string;

  /** The attempt's number; for a probe, the attempts made before it (a probe spends none). */
  @Column({ type: 'int' })
  attempt: number;

  /** The probe of a paused target: it tells whether the target answers again, and counts against nothing. */
  @Column({ type: 'boolean', default: false })
  probe: boolean;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'latency_ms', type: 'int' })
  latencyMs: number;

  /** 0 when no HTTP answer arrived (timeout, refused, reset). */
  @Column({ name: 'status_code', type: 'int' })
  statusCode: number;

  /** sent, retry or dead. */
  @Column({ type: 'varchar', length: 8 })
  outcome: string;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  error: string | null;

  /**
   * The peer's answer as received: its first 64 KiB, sanitized text (no U+0000, valid UTF-8). Column
   * `response_text`: the older column `response` (jsonb or text, by the version that migrated the table) is only
   * read, for attempts logged before, and goes with them by retention.
   */
  @Column({ name: 'response_text', type: 'text', nullable: true })
  response: string | null;
}
