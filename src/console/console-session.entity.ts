import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A sign-in to the web console. The browser holds a random token in an HttpOnly cookie; the table keeps only
 * an HMAC of it keyed by the admin key, so a copy of this table signs nobody in and tells nothing of the key,
 * and a new admin key ends every session (the same token no longer hashes to a stored row). A session also
 * ends at `expiresAt` and at sign-out (the row is deleted).
 */
@Entity('console_sessions')
@Index('ix_console_sessions_expires', ['expiresAt'])
export class ConsoleSession {
  /** HMAC-SHA256 (hex) of the cookie's token, keyed by the admin key. */
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  /** Who signed in, as they named themselves (audit rows of their changes carry it). */
  @Column({ type: 'varchar', length: 64 })
  actor: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
