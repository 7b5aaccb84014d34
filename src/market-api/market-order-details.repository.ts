import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { runInTransaction, type Tx } from '../database/transaction';
import type { MarketBusinessOrder, MarketBusinessOrderItem } from './market-business-order';
import { MarketOrderDetails } from './market-order-details.entity';

/** What Market told us of an order (market_order_details), as fetched. */
export interface FetchedOrderDetails {
  orderId: string;
  campaignId: string;
  marketOrderId: string;
  businessId: string;
  status: string | null;
  substatus: string | null;
  paymentType: string | null;
  paymentMethod: string | null;
  fake: boolean | null;
  delivery: MarketBusinessOrder['delivery'] | null;
  prices: MarketBusinessOrder['prices'] | null;
  items: MarketBusinessOrderItem[] | null;
  notes: string | null;
}

/** The SQL of the details fetched from Market (market_order_details). */
@Injectable()
export class MarketOrderDetailsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return runInTransaction(this.dataSource, work);
  }

  find(orderId: string, manager: EntityManager = this.dataSource.manager): Promise<MarketOrderDetails | null> {
    return manager.getRepository(MarketOrderDetails).findOneBy({ orderId });
  }

  exists(orderId: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    return manager.getRepository(MarketOrderDetails).existsBy({ orderId });
  }

  /** Stores (or replaces) the fetched details in the caller's transaction, and returns the row. */
  async upsert(manager: EntityManager, d: FetchedOrderDetails): Promise<MarketOrderDetails> {
    await manager.query(
      `INSERT INTO market_order_details (order_id, campaign_id, market_order_id, business_id, status, substatus, payment_type, payment_method, fake, delivery, prices, items, notes, fetched_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
       ON CONFLICT (order_id) DO UPDATE SET business_id = EXCLUDED.business_id, status = EXCLUDED.status, substatus = EXCLUDED.substatus,
         payment_type = EXCLUDED.payment_type, payment_method = EXCLUDED.payment_method, fake = EXCLUDED.fake, delivery = EXCLUDED.delivery,
         prices = EXCLUDED.prices, items = EXCLUDED.items, notes = EXCLUDED.notes, fetched_at = now(), updated_at = now()`,
      [
        d.orderId,
        d.campaignId,
        d.marketOrderId,
        d.businessId,
        d.status,
        d.substatus,
        d.paymentType,
        d.paymentMethod,
        d.fake,
        JSON.stringify(d.delivery ?? null),
        JSON.stringify(d.prices ?? null),
        JSON.stringify(d.items ?? []),
        d.notes,
      ],
    );
    return manager.getRepository(MarketOrderDetails).findOneByOrFail({ orderId: d.orderId });
  }

  async setBuyer(orderId: string, buyer: unknown): Promise<void> {
    await this.dataSource.query('UPDATE market_order_details SET buyer = $2, buyer_fetched_at = now(), updated_at = now() WHERE order_id = $1', [
      orderId,
      JSON.stringify(buyer),
    ]);
  }
}
