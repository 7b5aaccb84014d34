import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * What the sandbox Market knows of an order: what its notifications said (in the sandbox, whoever sends them
 * plays Market) and what the shop told it since (status changes, cancellation answers).
 */
@Entity('sandbox_market_orders')
export class SandboxMarketOrder {
  @PrimaryColumn({ name: 'campaign_id', type: 'bigint' })
  campaignId: string;

  @PrimaryColumn({ name: 'order_id', type: 'bigint' })
  orderId: string;

  @Column({ type: 'varchar', length: 64 })
  status: string;

  @Column({ type: 'varchar', length: 64 })
  substatus: string;

  /** `[{offerId, count}]` from ORDER_CREATED; the sandbox prices them. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  items: { offerId: string; count: number }[];

  @Column({ name: 'cancel_requested', type: 'boolean', default: false })
  cancelRequested: boolean;

  /** Market's `creationDate`. */
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Market's `updateDate`: the time of the last change it knows of. */
  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
