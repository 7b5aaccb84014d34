import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * The ticket registry: every IMSHOP ticket (заявка) we created or heard of. The status webhook carries
 * no ticket type, so the type kept here is what gives a status (`failed` exists in every type) its meaning.
 */
@Entity('imshop_tickets')
@Index('uq_imshop_tickets_imshop_ticket_id', ['imshopTicketId'], { unique: true })
@Index('ix_imshop_tickets_oms_order_number', ['omsOrderNumber'])
@Index('ix_imshop_tickets_order_id', ['orderId'])
export class ImshopTicket {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** IMSHOP's id of the ticket (`ticketId`, e.g. `rsp-1746761`). */
  @Column({ name: 'imshop_ticket_id', type: 'varchar', length: 255 })
  imshopTicketId: string;

  /** prepare, ship, receive, release, cancel; null for a ticket we did not create whose status fits several types. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  type: string | null;

  /** The order number the ticket names (`orderId`: the retailer's OMS number). */
  @Column({ name: 'oms_order_number', type: 'varchar', length: 255 })
  omsOrderNumber: string;

  /** Our order, once known. */
  @Column({ name: 'order_id', type: 'uuid', nullable: true })
  orderId: string | null;

  @Column({ name: 'store_id', type: 'varchar', length: 255 })
  storeId: string;

  /** The latest status by event time (`created` right after we created it, before IMSHOP reported anything). */
  @Column({ type: 'varchar', length: 128, nullable: true })
  status: string | null;

  @Column({ name: 'status_at', type: 'timestamptz', nullable: true })
  statusAt: Date | null;

  @Column({ name: 'created_by_us', type: 'boolean', default: false })
  createdByUs: boolean;

  /** What we sent to IMSHOP's ticket API (tickets we created). */
  @Column({ type: 'jsonb', nullable: true })
  request: unknown;

  /** `metadata.unavailableItems` of the latest webhook that had them. */
  @Column({ name: 'unavailable_items', type: 'jsonb', nullable: true })
  unavailableItems: unknown;

  @Column({ name: 'tracking_number', type: 'varchar', length: 255, nullable: true })
  trackingNumber: string | null;

  @Column({ name: 'delivery_order_id', type: 'varchar', length: 255, nullable: true })
  deliveryOrderId: string | null;

  /** For a `cancel` ticket: IMSHOP's id of the ticket it withdraws. */
  @Column({ name: 'cancels_ticket_id', type: 'varchar', length: 255, nullable: true })
  cancelsTicketId: string | null;

  /** When we asked IMSHOP to withdraw this ticket (so a repeated order cancellation does not ask twice). */
  @Column({ name: 'cancel_requested_at', type: 'timestamptz', nullable: true })
  cancelRequestedAt: Date | null;

  /** No further status is expected: a final status arrived, or the ticket was withdrawn. */
  @Column({ type: 'boolean', default: false })
  closed: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
