import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One buyer return (or non-pickup) of a Market order, with its latest refund and shipment statuses. */
@Entity('market_returns')
@Index('uq_market_returns', ['campaignId', 'returnId'], { unique: true })
@Index('ix_market_returns_order', ['campaignId', 'orderId'])
export class MarketReturn {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'campaign_id', type: 'bigint' })
  campaignId: string;

  @Column({ name: 'order_id', type: 'bigint' })
  orderId: string;

  @Column({ name: 'return_id', type: 'bigint' })
  returnId: string;

  @Column({ name: 'return_type', type: 'varchar', length: 64, nullable: true })
  returnType: string | null;

  @Column({ type: 'jsonb', nullable: true })
  items: unknown;

  @Column({ name: 'refund_status', type: 'varchar', length: 64, nullable: true })
  refundStatus: string | null;

  @Column({ name: 'refund_status_at', type: 'timestamptz', nullable: true })
  refundStatusAt: Date | null;

  @Column({ name: 'shipment_status', type: 'varchar', length: 64, nullable: true })
  shipmentStatus: string | null;

  @Column({ name: 'shipment_status_at', type: 'timestamptz', nullable: true })
  shipmentStatusAt: Date | null;

  @Column({ name: 'created_at_market', type: 'timestamptz', nullable: true })
  createdAtMarket: Date | null;
}
