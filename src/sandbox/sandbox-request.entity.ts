import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One request a sandbox peer received, with the answer it gave (secrets masked before it is stored). */
@Entity('sandbox_requests')
export class SandboxRequest {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  /** `imshop` or `market`. */
  @Column({ type: 'varchar', length: 16 })
  peer: string;

  @Column({ type: 'varchar', length: 8 })
  method: string;

  /** The path under the peer's base URL, with its query (e.g. `/v1/businesses/9876543/orders?limit=50`). */
  @Column({ type: 'varchar', length: 2000 })
  path: string;

  /** The request headers that matter to the peer (authentication masked). */
  @Column({ type: 'jsonb' })
  headers: Record<string, string>;

  @Column({ type: 'jsonb', nullable: true })
  body: unknown;

  /** Null when the peer gave no answer (a `noAnswer` fault). */
  @Column({ name: 'response_status', type: 'int', nullable: true })
  responseStatus: number | null;

  @Column({ name: 'response_body', type: 'jsonb', nullable: true })
  responseBody: unknown;

  /** The fault that shaped the answer, when one was set (`POST /admin/sandbox/faults`). */
  @Column({ type: 'varchar', length: 200, nullable: true })
  fault: string | null;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ name: 'duration_ms', type: 'int', default: 0 })
  durationMs: number;
}
