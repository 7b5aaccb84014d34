import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { MarketBusinessOrder, MarketBusinessOrderItem } from './market-business-order';
import type { MarketBuyer } from './market-ticket';

/**
 * What Market's partner API told us about a Market order (`POST v1/businesses/{businessId}/orders`, plus the
 * buyer from `GET …/buyer` once the order is in PROCESSING). Shown as `marketDetails` in `GET /admin/orders/:id`
 * and used for the prepare ticket. The items with prices are also written onto the order's `items`.
 */
@Entity('market_order_details')
export class MarketOrderDetails {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ name: 'campaign_id', type: 'bigint' })
  campaignId: string;

  @Column({ name: 'market_order_id', type: 'bigint' })
  marketOrderId: string;

  @Column({ name: 'business_id', type: 'bigint', nullable: true })
  businessId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  status: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  substatus: string | null;

  @Column({ name: 'payment_type', type: 'varchar', length: 32, nullable: true })
  paymentType: string | null;

  @Column({ name: 'payment_method', type: 'varchar', length: 64, nullable: true })
  paymentMethod: string | null;

  @Column({ type: 'boolean', nullable: true })
  fake: boolean | null;

  /** `OrderBuyerInfoDTO`: id, lastName, firstName, middleName, type, phone (null until fetched). */
  @Column({ type: 'jsonb', nullable: true })
  buyer: MarketBuyer | null;

  /** `BusinessOrderDeliveryDTO` as Market sent it. */
  @Column({ type: 'jsonb', nullable: true })
  delivery: MarketBusinessOrder['delivery'] | null;

  /** `OrderPriceDTO`: payment, subsidy, cashback, delivery. */
  @Column({ type: 'jsonb', nullable: true })
  prices: MarketBusinessOrder['prices'] | null;

  /** `BusinessOrderItemDTO[]` as Market sent them. */
  @Column({ type: 'jsonb', nullable: true })
  items: MarketBusinessOrderItem[] | null;

  @Column({ type: 'text', nullable: true })
  notes: string | null;

  @Column({ name: 'fetched_at', type: 'timestamptz' })
  fetchedAt: Date;

  @Column({ name: 'buyer_fetched_at', type: 'timestamptz', nullable: true })
  buyerFetchedAt: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** The stored details as Market's order, the shape the prepare ticket is built from. */
export function businessOrderOf(details: MarketOrderDetails): MarketBusinessOrder {
  return {
    items: details.items ?? undefined,
    prices: details.prices ?? undefined,
    delivery: details.delivery ?? undefined,
    paymentType: details.paymentType ?? undefined,
    paymentMethod: details.paymentMethod ?? undefined,
    notes: details.notes ?? undefined,
  };
}
