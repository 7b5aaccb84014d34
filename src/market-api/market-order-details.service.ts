import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Handles } from '../events/channels';
import { ORDER_DETAILS } from '../orders/order-events';
import type { OrderView } from '../orders/order-view';
import { OrdersService } from '../orders/orders.service';
import type { SendResult } from '../outbox/delivery-targets';
import { MarketApiClient } from './market-api.client';
import { fromMarket } from './market-answers';
import type { MarketOrderDetails } from './market-order-details.entity';
import { MarketOrderDetailsRepository } from './market-order-details.repository';
import { MARKET_API_SOURCE, type OrderRef } from './market-targets';
import { orderItemsFromMarket, type MarketBusinessOrder } from './market-ticket';

/** The details of a Market order (its items, prices, delivery, buyer), fetched from Market and kept. */
@Injectable()
export class MarketOrderDetailsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: MarketOrderDetailsRepository,
    private readonly client: MarketApiClient,
    private readonly orders: OrdersService,
  ) {}

  /** The admin view of an order shows the details fetched from Market. */
  @Handles(ORDER_DETAILS, 'marketDetails')
  async detailsOf(order: OrderView): Promise<unknown> {
    return this.repository.find(order.id);
  }

  find(orderId: string): Promise<MarketOrderDetails | null> {
    return this.repository.find(orderId);
  }

  /** `manager`: asked inside the caller's transaction. */
  exists(orderId: string, manager?: EntityManager): Promise<boolean> {
    return this.repository.exists(orderId, manager);
  }

  /** The buyer as Market gave it (null: Market refused), kept so that the next ticket need not ask again. */
  setBuyer(orderId: string, buyer: unknown): Promise<void> {
    return this.repository.setBuyer(orderId, buyer);
  }

  /** Fetches the order from Market and stores it; `details` is set when it was stored. `signal`: the attempt's lease. */
  async fetchAndStore(p: OrderRef, businessId: string, signal?: AbortSignal): Promise<{ result: SendResult; details?: MarketOrderDetails }> {
    const call = await this.client.getBusinessOrder(businessId, p.campaignId, p.orderId, signal);
    const result = fromMarket(call);
    if (result.outcome !== 'sent') return { result };
    const orders = (call.body as { orders?: MarketBusinessOrder[] } | null)?.orders;
    const found = Array.isArray(orders) ? orders.find((o) => String(o?.orderId) === p.orderId) : undefined;
    if (!found) return { result: { ...result, outcome: 'dead', error: `Market returned no order ${p.orderId} of campaign ${p.campaignId} for business ${businessId}` } };
    const details = await this.dataSource.transaction(async (manager) => {
      const stored = await this.repository.upsert(manager, {
        orderId: p.order,
        campaignId: p.campaignId,
        marketOrderId: p.orderId,
        businessId,
        status: str(found.status, 64),
        substatus: str(found.substatus, 64),
        paymentType: str(found.paymentType, 32),
        paymentMethod: str(found.paymentMethod, 64),
        fake: typeof found.fake === 'boolean' ? found.fake : null,
        delivery: found.delivery,
        prices: found.prices,
        items: found.items,
        notes: typeof found.notes === 'string' ? found.notes : null,
      });
      await this.orders.applyStatus(
        { source: MARKET_API_SOURCE, identity: { id: p.order }, internalStatus: null, items: orderItemsFromMarket(found.items), note: 'details fetched from Market' },
        manager,
      );
      return stored;
    });
    return { result: { ...result, response: { items: (found.items ?? []).length, status: found.status, substatus: found.substatus } }, details };
  }
}

function str(value: unknown, max: number): string | null {
  return typeof value === 'string' ? value.slice(0, max) : null;
}
