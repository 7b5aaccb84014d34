import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A ticket the sandbox IMSHOP accepted, with the id it gave it. */
@Entity('sandbox_imshop_tickets')
export class SandboxTicket {
  @PrimaryColumn({ name: 'ticket_id', type: 'varchar', length: 64 })
  ticketId: string;

  @Column({ type: 'varchar', length: 16 })
  type: string;

  @Column({ name: 'order_id', type: 'varchar', length: 255 })
  orderId: string;

  @Column({ name: 'store_id', type: 'varchar', length: 255 })
  storeId: string;

  /** `created`, or `cancelled` once a cancel ticket withdrew it. */
  @Column({ type: 'varchar', length: 16 })
  status: string;

  /** For a cancel ticket: the ticket it withdrew. */
  @Column({ name: 'cancels_ticket_id', type: 'varchar', length: 64, nullable: true })
  cancelsTicketId: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
