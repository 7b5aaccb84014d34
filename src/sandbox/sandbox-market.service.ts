import { Inject, Injectable } from '@nestjs/common';
import { secretsEqual } from '../auth/constant-time';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Handles } from '../events/channels';
import { validateDto } from '../common/validate-dto';
import type { Tx } from '../database/transaction';
import { MARKET_ORDER_NOTIFIED, type MarketOrderNotified } from '../market/market-order-notice';
import { MarketAcceptCancellationDto, MarketGetBusinessOrdersDto, MarketUpdateOrderStatusDto } from './dto/market-peer.dto';
import type { SandboxMarketOrder } from './sandbox-market-order.entity';
import { marketError, type PeerAnswer } from './sandbox-peer';
import { SandboxRepository } from './sandbox.repository';

/** Market's shop-side status changes for a DBS order (its partner documentation). */
const SHOP_STATUS_CHANGES: Record<string, (substatus: string | undefined) => boolean> = {
  PROCESSING: (substatus) => substatus === 'READY_TO_SHIP' || substatus === 'SHIPPED',
  CANCELLED: (substatus) => substatus === 'SHOP_FAILED' || substatus === 'USER_CHANGED_MIND' || substatus === 'USER_UNREACHABLE',
  DELIVERY: () => true,
  PICKUP: () => true,
  DELIVERED: () => true,
};

const UNIT_PRICE = 1490;
const DELIVERY_PRICE = 350;

/** The sandbox Market: the partner API calls the app makes, answered from what it learnt of each order. */
@Injectable()
export class SandboxMarket {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: SandboxRepository,
  ) {}

  /** Market takes the key in `Api-Key`: 401 without it, 403 for another one (`ApiErrorResponse`). */
  marketRefusal(apiKey: string | undefined): PeerAnswer | null {
    if (!apiKey) return { status: 401, body: marketError('UNAUTHORIZED', 'Api-Key header is required') };
    if (!secretsEqual(apiKey, this.config.marketApi.apiKey ?? ''))
      return { status: 403, body: marketError('FORBIDDEN', 'the Api-Key is not valid for this sandbox Market') };
    return null;
  }

  /** `PUT v2/campaigns/{campaignId}/orders/{orderId}/status` (updateOrderStatus). */
  async marketUpdateStatus(campaignId: string, orderId: string, body: unknown): Promise<PeerAnswer> {
    const ids = checkIds({ campaignId, orderId });
    if (ids) return ids;
    const checked = validateDto(MarketUpdateOrderStatusDto, body);
    if (!checked.ok) return { status: 400, body: marketError('BAD_REQUEST', checked.messages.join('; ')) };
    const { status, substatus } = checked.value.order;
    const order = await this.repository.findMarketOrder(campaignId, orderId);
    if (!order) return notFound(campaignId, orderId);
    if (!SHOP_STATUS_CHANGES[status]?.(substatus)) {
      return { status: 400, body: marketError('STATUS_NOT_ALLOWED', `a DBS shop cannot set ${status}${substatus ? `/${substatus}` : ''}`) };
    }
    if (order.status === 'CANCELLED' || order.status === 'DELIVERED') {
      return { status: 400, body: marketError('STATUS_NOT_ALLOWED', `order ${orderId} is ${order.status}: its status can no longer change`) };
    }
    await this.repository.learnMarketOrder({ campaignId, orderId, status, substatus: substatus ?? defaultSubstatus(status), at: new Date() });
    return { status: 200, body: {} };
  }

  /** `PUT v2/campaigns/{campaignId}/orders/{orderId}/cancellation/accept` (acceptOrderCancellation). */
  async marketAnswerCancellation(campaignId: string, orderId: string, body: unknown): Promise<PeerAnswer> {
    const ids = checkIds({ campaignId, orderId });
    if (ids) return ids;
    const checked = validateDto(MarketAcceptCancellationDto, body);
    if (!checked.ok) return { status: 400, body: marketError('BAD_REQUEST', checked.messages.join('; ')) };
    const dto = checked.value;
    if (!dto.accepted && !dto.reason) return { status: 400, body: marketError('BAD_REQUEST', 'reason is required when accepted is false') };
    const order = await this.repository.findMarketOrder(campaignId, orderId);
    if (!order) return notFound(campaignId, orderId);
    if (!order.cancelRequested) return { status: 400, body: marketError('BAD_REQUEST', `the buyer did not ask to cancel order ${orderId}`) };
    await this.repository.learnMarketOrder({
      campaignId,
      orderId,
      cancelRequested: false,
      ...(dto.accepted ? { status: 'CANCELLED', substatus: 'USER_CHANGED_MIND' } : {}),
      at: new Date(),
    });
    return { status: 200, body: { status: 'OK' } };
  }

  /** `POST v1/businesses/{businessId}/orders` (getBusinessOrders): by ids, campaigns and update dates, 50 a page. */
  async marketBusinessOrders(businessId: string, query: { limit?: string; pageToken?: string }, body: unknown): Promise<PeerAnswer> {
    const ids = checkIds({ businessId });
    if (ids) return ids;
    const checked = validateDto(MarketGetBusinessOrdersDto, body ?? {});
    if (!checked.ok) return { status: 400, body: marketError('BAD_REQUEST', checked.messages.join('; ')) };
    const dto = checked.value;
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1) return { status: 400, body: marketError('BAD_REQUEST', 'limit must be a positive integer') };
    const offset = query.pageToken ? Number(Buffer.from(query.pageToken, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(offset) || offset < 0) return { status: 400, body: marketError('BAD_REQUEST', 'pageToken is not valid') };
    const badId = [...(dto.orderIds ?? []), ...(dto.campaignIds ?? [])].find((id) => !/^\d{1,19}$/.test(String(id)));
    if (badId !== undefined) return { status: 400, body: marketError('BAD_REQUEST', `${JSON.stringify(badId)} is not an int64 id`) };
    const from = dateOrUndefined(dto.dates?.updateDateFrom);
    const to = dateOrUndefined(dto.dates?.updateDateTo);
    if (from === null || to === null) return { status: 400, body: marketError('BAD_REQUEST', 'dates must be ISO 8601 date-times') };
    const found = await this.repository.searchMarketOrders({
      orderIds: dto.orderIds?.map(String),
      campaignIds: dto.campaignIds?.map(String),
      updatedFrom: from,
      updatedTo: to,
      offset,
      limit: Math.min(limit, 50),
    });
    return {
      status: 200,
      body: {
        orders: found.orders.map((order) => businessOrder(order)),
        ...(found.more ? { paging: { nextPageToken: Buffer.from(String(offset + Math.min(limit, 50))).toString('base64url') } } : {}),
      },
    };
  }

  /** `GET v2/campaigns/{campaignId}/orders/{orderId}/buyer` (getOrderBuyerInfo): Market gives the buyer from PROCESSING on. */
  async marketBuyer(campaignId: string, orderId: string): Promise<PeerAnswer> {
    const ids = checkIds({ campaignId, orderId });
    if (ids) return ids;
    const order = await this.repository.findMarketOrder(campaignId, orderId);
    if (!order) return notFound(campaignId, orderId);
    if (!['PROCESSING', 'DELIVERY', 'PICKUP', 'DELIVERED'].includes(order.status)) {
      return { status: 400, body: marketError('BAD_REQUEST', `the buyer of order ${orderId} is given from PROCESSING on (it is ${order.status})`) };
    }
    return { status: 200, body: { status: 'OK', result: { type: 'PERSON', firstName: 'Пётр', lastName: 'Иванов', phone: '+79990001122' } } };
  }

  // ---------------------------------------------------------------- what the sandbox Market learns

  /** In the sandbox whoever sends Market's notifications plays Market: its Market learns the orders from them. */
  @Handles(MARKET_ORDER_NOTIFIED)
  async learnFromNotice({ notified, tx }: { notified: MarketOrderNotified; tx: Tx }): Promise<void> {
    if (!this.config.sandboxPeers.market || notified.via !== 'notification') return;
    const { notice, change } = notified;
    const { marketCampaignId: campaignId, marketOrderId: orderId } = change.order;
    if (!campaignId || !orderId) return;
    const { at } = notified;
    switch (notice.kind) {
      case 'created': {
        const items = change.order.items.map((item) => ({ offerId: (item.sku || 'SKU').slice(0, 255), count: item.count > 0 ? item.count : 1 }));
        return this.repository.learnMarketOrder({ campaignId, orderId, items, at }, tx.manager);
      }
      case 'status':
        // Market may send values we do not know (tolerant reader): kept, cut to the column's length.
        return this.repository.learnMarketOrder(
          { campaignId, orderId, status: notice.status.slice(0, 64), substatus: (notice.substatus ?? 'UNKNOWN').slice(0, 64), at },
          tx.manager,
        );
      case 'cancelled':
        return this.repository.learnMarketOrder({ campaignId, orderId, status: 'CANCELLED', substatus: 'UNKNOWN', cancelRequested: false, at }, tx.manager);
      case 'cancellation_requested':
        return this.repository.learnMarketOrder({ campaignId, orderId, cancelRequested: true, at }, tx.manager);
      case 'updated':
      case 'return':
        return;
    }
  }
}

function notFound(campaignId: string, orderId: string): PeerAnswer {
  return {
    status: 404,
    body: marketError('NOT_FOUND', `order ${orderId} of campaign ${campaignId} is not known to this sandbox Market (send its ORDER_CREATED first)`),
  };
}

function checkIds(ids: Record<string, string>): PeerAnswer | null {
  for (const [name, value] of Object.entries(ids)) {
    if (!/^\d{1,19}$/.test(value)) return { status: 400, body: marketError('BAD_REQUEST', `${name} must be an int64 id`) };
  }
  return null;
}

function defaultSubstatus(status: string): string {
  return status === 'CANCELLED' ? 'SHOP_FAILED' : status === 'PROCESSING' ? 'READY_TO_SHIP' : 'UNKNOWN';
}

/** undefined: not given; null: not a date. */
function dateOrUndefined(value: string | undefined): Date | undefined | null {
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : new Date(at);
}

/** An ISO date (`YYYY-MM-DD`) `days` after `from`. */
function dayAfter(from: Date, days: number): string {
  return new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

const money = (value: number) => ({ value, currencyId: 'RUR' });

/** The order as Market's `BusinessOrderDTO`: its items priced by the sandbox, delivery by the shop's own courier. */
function businessOrder(order: SandboxMarketOrder): Record<string, unknown> {
  const lines = order.items.length ? order.items : [{ offerId: 'SKU-12345', count: 1 }];
  const items = lines.map((line, index) => ({
    id: index + 1,
    offerId: line.offerId,
    offerName: `Товар ${line.offerId} (песочница)`,
    count: line.count,
    prices: { payment: money(UNIT_PRICE * line.count) },
  }));
  const total = items.reduce((sum, item) => sum + item.prices.payment.value, 0);
  return {
    orderId: Number(order.orderId),
    campaignId: Number(order.campaignId),
    programType: 'DBS',
    status: order.status,
    substatus: order.substatus,
    creationDate: order.createdAt.toISOString(),
    updateDate: order.updatedAt.toISOString(),
    paymentType: 'PREPAID',
    paymentMethod: 'YANDEX',
    fake: true,
    items,
    prices: { payment: money(total), delivery: { payment: money(DELIVERY_PRICE) } },
    delivery: {
      type: 'DELIVERY',
      serviceName: 'Курьер магазина',
      deliveryServiceId: 99,
      deliveryPartnerType: 'SHOP',
      dates: { fromDate: dayAfter(order.createdAt, 2), toDate: dayAfter(order.createdAt, 3), fromTime: '10:00', toTime: '18:00' },
      courier: {
        address: { country: 'Россия', postcode: '125080', city: 'Москва', street: 'Волоколамское шоссе', house: '2', apartment: '15' },
        region: { id: 213, name: 'Москва', type: 'CITY' },
      },
    },
    notes: 'Заказ песочницы order-sync',
    cancelRequested: order.cancelRequested,
  };
}
