import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { ImshopTicket } from './ticket.entity';

/**
 * Every status IMSHOP reported for a ticket (the inbox of `POST /imshop/tickets/status`), stored before
 * the 200 answer. `dedupeKey` (ticket + status + time [+ step]) makes a re-delivery change nothing.
 */
@Entity('imshop_ticket_events')
@Index('uq_imshop_ticket_events_dedupe_key', ['dedupeKey'], { unique: true })
@Index('ix_imshop_ticket_events_ticket', ['ticketId', 'id'])
@Index('ix_imshop_ticket_events_received', ['receivedAt'])
export class ImshopTicketEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'ticket_id', type: 'uuid' })
  ticketId: string;

  @ManyToOne('ImshopTicket', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'ticket_id' })
  ticket?: ImshopTicket;

  @Column({ type: 'varchar', length: 128 })
  status: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  step: string | null;

  /** `metadata.timestamp`, or the receive time when IMSHOP sent none. */
  @Column({ name: 'event_at', type: 'timestamptz' })
  eventAt: Date;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ name: 'dedupe_key', type: 'varchar', length: 512 })
  dedupeKey: string;

  /**
   * The order history outcome (applied, unchanged, stale, rejected, unmapped, info), or `recorded` (ticket
   * type unknown: the order is left alone), `closed` (withdrawn by a cancel ticket).
   */
  @Column({ type: 'varchar', length: 16 })
  outcome: string;

  @Column({ type: 'varchar', length: 512, nullable: true })
  note: string | null;

  /** The webhook body without the auth `key`. */
  @Column({ type: 'jsonb', nullable: true })
  payload: unknown;
}
