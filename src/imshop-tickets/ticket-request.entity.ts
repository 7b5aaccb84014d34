import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * `sending`: claimed and (being) sent, IMSHOP's answer not recorded — in flight, or lost to a crash, a database
 * failure or a timeout, so IMSHOP may have created the ticket; `created`: the ticket is registered;
 * `refused`: IMSHOP answered that it did not create it (or the request never reached IMSHOP).
 */
export const TICKET_REQUEST_STATES = ['sending', 'created', 'refused'] as const;
export type TicketRequestState = (typeof TICKET_REQUEST_STATES)[number];

/**
 * A ticket we ask IMSHOP to create under a key of ours (the Market loop's prepare ticket of an order, or an
 * admin's Idempotency-Key). IMSHOP's ticket API takes no reference of ours and offers no lookup, so this row,
 * committed before the request is sent, is what keeps a retry from creating a second ticket: the request is
 * sent again only when IMSHOP is known not to have created one.
 */
@Entity('imshop_ticket_requests')
@Index('uq_imshop_ticket_requests_key', ['requestKey'], { unique: true })
export class ImshopTicketRequest {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'request_key', type: 'varchar', length: 255 })
  requestKey: string;

  @Column({ type: 'varchar', length: 16 })
  type: string;

  @Column({ name: 'oms_order_number', type: 'varchar', length: 255 })
  omsOrderNumber: string;

  @Column({ name: 'store_id', type: 'varchar', length: 255 })
  storeId: string;

  /** The body of the latest request sent. */
  @Column({ type: 'jsonb' })
  request: unknown;

  @Column({ type: 'varchar', length: 16 })
  state: TicketRequestState;

  /** Requests sent under this key (a refused one may be sent again). */
  @Column({ type: 'int', default: 1 })
  attempts: number;

  /** IMSHOP's id of the ticket, once created. */
  @Column({ name: 'imshop_ticket_id', type: 'varchar', length: 255, nullable: true })
  imshopTicketId: string | null;

  /** IMSHOP's answer that created it (`success`, `ticketId`, `status`), given again to a repeat. */
  @Column({ type: 'jsonb', nullable: true })
  answer: unknown;

  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError: string | null;

  /** When the latest request was claimed, just before it was sent. */
  @Column({ name: 'sent_at', type: 'timestamptz' })
  sentAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
