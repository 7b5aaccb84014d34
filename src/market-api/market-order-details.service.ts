import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/transaction';
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
import { marketIdOf, orderItemsFromMarket, parseBusinessOrders } from './market-business-order';
import type { MarketBuyer } from './market-ticket';

/** The details of a Market order (its items, prices, delivery, buyer), fetched from Market and kept. */
@Injectable()
export class MarketOrderDetailsService {
  constructor(
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

  /** `tx`: asked inside the caller's transaction. */
  exists(orderId: string, tx?: Tx): Promise<boolean> {
    return this.repository.exists(orderId, tx?.manager);
  }

  /** The buyer as Market gave it (null: Market refused), kept so that the next ticket need not ask again. */
  setBuyer(orderId: string, buyer: MarketBuyer | null): Promise<void> {
    return this.repository.setBuyer(orderId, buyer);
  }

  /** Fetches the order from Market and stores it; `details` is set when it was stored. `signal`: the attempt's lease. */
  async fetchAndStore(p: OrderRef, businessId: string, signal?: AbortSignal): Promise<{ result: SendResult; details?: MarketOrderDetails }> {
    const call = await this.client.getBusinessOrder(businessId, p.campaignId, p.orderId, signal);
    const result = fromMarket(call);
    if (result.outcome !== 'sent') return { result };
    const found = parseBusinessOrders(call.body)?.orders.find((o) => marketIdOf(o.orderId) === p.orderId);
    if (!found)
      return { result: { ...result, outcome: 'dead', error: `Market returned no order ${p.orderId} of campaign ${p.campaignId} for business ${businessId}` } };
    const details = await this.repository.transaction(async (tx) => {
      const stored = await this.repository.upsert(tx.manager, {
        orderId: p.order,
        campaignId: p.campaignId,
        marketOrderId: p.orderId,
        businessId,
        status: str(found.status, 64),
        substatus: str(found.substatus, 64),
        paymentType: str(found.paymentType, 32),
        paymentMethod: str(found.paymentMethod, 64),
        fake: typeof found.fake === 'boolean' ? found.fake : null,
        delivery: found.delivery ?? null,
        prices: found.prices ?? null,
        items: found.items ?? null,
        notes: typeof found.notes === 'string' ? found.notes : null,
      });
      await this.orders.applyStatus(
        {
          source: MARKET_API_SOURCE,
          identity: { id: p.order },
          internalStatus: null,
          items: orderItemsFromMarket(found.items),
          note: 'details fetched from Market',
        },
        tx,
      );
      return stored;
    });
    return { result: { ...result, response: { items: (found.items ?? []).length, status: found.status, substatus: found.substatus } }, details };
  }
}

function str(value: unknown, max: number): string | null {
  return typeof value === 'string' ? value.slice(0, max) : null;
}
