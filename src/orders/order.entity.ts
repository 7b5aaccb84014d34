import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import type { OrderStatus } from './order-status';
import { orderItemsOf, type OrderItem, type OrderView } from './order-view';

@Entity('orders')
@Index('uq_orders_oms_order_number', ['omsOrderNumber'], { unique: true, where: '"oms_order_number" IS NOT NULL' })
@Index('uq_orders_imshop_uuid', ['imshopUuid'], { unique: true, where: '"imshop_uuid" IS NOT NULL' })
@Index('uq_orders_market', ['marketCampaignId', 'marketOrderId'], { unique: true, where: '"market_order_id" IS NOT NULL' })
@Index('ix_orders_status', ['status'])
export class Order implements OrderView {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'oms_order_number', type: 'varchar', length: 128, nullable: true })
  omsOrderNumber: string | null;

  @Column({ name: 'imshop_uuid', type: 'varchar', length: 64, nullable: true })
  imshopUuid: string | null;

  /** int64 ids are kept as strings end to end so they are never rounded. */
  @Column({ name: 'market_campaign_id', type: 'bigint', nullable: true })
  marketCampaignId: string | null;

  @Column({ name: 'market_order_id', type: 'bigint', nullable: true })
  marketOrderId: string | null;

  @Column({ type: 'varchar', length: 32 })
  status: OrderStatus;

  /** Which source set the current status (market, imshop_ticket, oms, admin, ...). */
  @Column({ name: 'status_source', type: 'varchar', length: 32, nullable: true })
  statusSource: string | null;

  @Column({ name: 'source_status', type: 'varchar', length: 128, nullable: true })
  sourceStatus: string | null;

  @Column({ name: 'source_substatus', type: 'varchar', length: 128, nullable: true })
  sourceSubstatus: string | null;

  /** Event time of the last applied status: an older event never moves the order. */
  @Column({ name: 'status_event_at', type: 'timestamptz', nullable: true })
  statusEventAt: Date | null;

  @Column({ name: 'tracking_number', type: 'varchar', length: 256, nullable: true })
  trackingNumber: string | null;

  @Column({ name: 'tracking_url', type: 'varchar', length: 2048, nullable: true })
  trackingUrl: string | null;

  /** Read in the one item shape, whatever shape an older version wrote (orderItemsOf). */
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb", transformer: { from: orderItemsOf, to: (items: OrderItem[]) => items } })
  items: OrderItem[];

  /** The buyer asked to cancel (Market's ORDER_CANCELLATION_REQUEST); the order is not cancelled by it. */
  @Column({ name: 'cancellation_requested_at', type: 'timestamptz', nullable: true })
  cancellationRequestedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @VersionColumn()
  version: number;
}
