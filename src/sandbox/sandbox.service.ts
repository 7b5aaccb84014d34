import { BadRequestException, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { secretsEqual } from '../auth/constant-time';
import { APP_CONFIG, imshopKeyFile, type AppConfig } from '../config/app-config';
import { isPlainObject, validateDto } from '../common/validate-dto';
import { MarketAutomationService } from '../market-api/market-automation.service';
import { Handles } from '../events/channels';
import { ORDER_CHANGED, type OrderChange } from '../orders/order-events';
import { ImshopStatusSyncDto, ImshopTicketRequestDto } from './dto/imshop-peer.dto';
import { MarketAcceptCancellationDto, MarketGetBusinessOrdersDto, MarketUpdateOrderStatusDto } from './dto/market-peer.dto';
import type { SandboxFaultDto, SandboxFaultView, SandboxPeer, SandboxRequestView } from './dto/sandbox-admin.dto';
import type { SandboxMarketOrder } from './sandbox-market-order.entity';
import { SandboxRepository, type RecordedRequestValues } from './sandbox.repository';

/** An answer of a sandbox peer. */
export interface PeerAnswer {
  status: number;
  body: unknown;
}

/** What a peer does with the request in hand, when a fault is waiting for it. */
export interface FaultInEffect {
  status: number | null;
  delayMs: number;
  noAnswer: boolean;
  description: string;
}

/**
 * The demo Market campaign the sandbox sets up: the ids of the Market notification examples in Swagger UI
 * (`EXAMPLE_IDS`), and the store of IMSHOP's ticket example.
 */
export const DEMO_CAMPAIGN = { campaignId: '21683701', businessId: '9876543', storeId: '1456' } as const;

/** Market's shop-side status changes for a DBS order (its partner documentation). */
const SHOP_STATUS_CHANGES: Record<string, (substatus: string | undefined) => boolean> = {
  PROCESSING: (substatus) => substatus === 'READY_TO_SHIP' || substatus === 'SHIPPED',
  CANCELLED: (substatus) => substatus === 'SHOP_FAILED' || substatus === 'USER_CHANGED_MIND' || substatus === 'USER_UNREACHABLE',
  DELIVERY: () => true,
  PICKUP: () => true,
  DELIVERED: () => true,
};

/** IMSHOP's own order statuses: a retailer code that is one of them maps to itself, others to `processing`. */
const IMSHOP_STATUSES = new Set(['placed', 'processing', 'ready_to_dispatch', 'dispatched', 'ready_for_pickup', 'delivered', 'closed', 'canceled', 'done']);

const UNIT_PRICE = 1490;
const DELIVERY_PRICE = 350;
const MASK = '[masked]';

/**
 * The sandbox (SANDBOX=true): stand-ins for IMSHOP and Market that the app calls over real HTTP at the URLs
 * left unset, answering in the peers' documented shapes, remembering what those peers would (ticket ids, the
 * Market side of each order), recording every request, and misbehaving on demand.
 */
@Injectable()
export class SandboxService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Sandbox');
  private readonly faults = new Map<SandboxPeer, SandboxFaultView>();
  /** Connections a `noAnswer` fault holds open: let go at shutdown. */
  private readonly held = new Set<() => void>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: SandboxRepository,
    private readonly automation: MarketAutomationService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const peers = this.config.sandboxPeers;
    const standIns = [
      peers.imshopStatus && 'IMSHOP_STATUS_URL',
      peers.imshopTickets && 'IMSHOP_TICKETS_URL',
      peers.market && 'MARKET_API_URL (no MARKET_API_KEY)',
    ].filter(Boolean);
    this.logger.warn(
      `SANDBOX=true: /market also admits loopback callers, and the app's own peers under /sandbox/ stand in for ${standIns.length ? standIns.join(', ') : 'nothing (every peer URL is configured)'}. ` +
        'For anything but trying it out, start without SANDBOX (npm run start:prod).',
    );
    if (this.config.imshop.keyGenerated) this.logger.warn(`IMSHOP_WEBHOOK_KEY is not set: the sandbox generated an IMSHOP key into ${imshopKeyFile(this.config)}`);
    if (peers.market) await this.seedDemoCampaign();
  }

  /** The demo campaign with every automation rule on, unless its settings were saved before (kept as they are). */
  private async seedDemoCampaign(): Promise<void> {
    const current = await this.automation.get(DEMO_CAMPAIGN.campaignId);
    if (current.configured) return;
    await this.automation.put(
      DEMO_CAMPAIGN.campaignId,
      {
        businessId: DEMO_CAMPAIGN.businessId,
        storeId: DEMO_CAMPAIGN.storeId,
        rules: { fetchDetails: true, prepareTicket: true, pushStatuses: true, answerCancellations: true },
      },
      'sandbox',
    );
    this.logger.log(`sandbox: demo Market campaign ${DEMO_CAMPAIGN.campaignId} (business ${DEMO_CAMPAIGN.businessId}) set up with every rule on, tickets to IMSHOP store ${DEMO_CAMPAIGN.storeId}`);
  }

  onModuleDestroy(): void {
    for (const release of this.held) release();
    this.held.clear();
  }

  /** Keeps a connection that gets no answer until the caller gives up, the hold times out or the app stops. */
  holdOpen(release: () => void, maxMs: number): void {
    const once = () => {
      clearTimeout(timer);
      this.held.delete(once);
      release();
    };
    const timer = setTimeout(once, maxMs);
    timer.unref();
    this.held.add(once);
  }

  // ---------------------------------------------------------------- faults

  setFault(dto: SandboxFaultDto): SandboxFaultView {
    if (dto.noAnswer && dto.status !== undefined) throw new BadRequestException(['noAnswer and status exclude each other: a peer that never answers gives no status']);
    if (!dto.noAnswer && dto.status === undefined && !dto.delayMs) throw new BadRequestException(['give status, delayMs or noAnswer: what should the peer do?']);
    const delayMs = dto.delayMs ?? 0;
    const description = [dto.noAnswer ? 'no answer' : dto.status !== undefined ? `HTTP ${dto.status}` : null, delayMs ? `after ${delayMs} ms` : null].filter(Boolean).join(' ');
    const fault: SandboxFaultView = { peer: dto.peer, remaining: dto.count, status: dto.status ?? null, delayMs, noAnswer: dto.noAnswer ?? false, description };
    this.faults.set(dto.peer, fault);
    return { ...fault };
  }

  listFaults(): SandboxFaultView[] {
    return [...this.faults.values()].map((fault) => ({ ...fault }));
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** The fault for the request in hand, if one is waiting (counted down). */
  takeFault(peer: SandboxPeer): FaultInEffect | null {
    const fault = this.faults.get(peer);
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.delete(peer);
    return { status: fault.status, delayMs: fault.delayMs, noAnswer: fault.noAnswer, description: fault.description };
  }

  faultAnswer(peer: SandboxPeer, status: number): PeerAnswer {
    const message = `sandbox fault: HTTP ${status} (POST /admin/sandbox/faults)`;
    return peer === 'imshop'
      ? { status, body: { success: false, errorCode: 'SANDBOX_FAULT', errorMessage: message } }
      : { status, body: marketError('SANDBOX_FAULT', message) };
  }

  // ---------------------------------------------------------------- recorded requests

  async record(values: RecordedRequestValues): Promise<void> {
    await this.repository.record({ ...values, headers: maskHeaders(values.headers), body: maskKeys(values.body) });
  }

  async listRequests(query: { peer?: SandboxPeer; page?: number; limit?: number }): Promise<{ items: SandboxRequestView[]; total: number; page: number; limit: number }> {
    const page = query.page ?? 1;
    const limit = query.limit ?? 50;
    const { items, total } = await this.repository.listRequests({ peer: query.peer, limit, offset: (page - 1) * limit });
    return {
      items: items.map((row) => ({
        id: row.id,
        peer: row.peer,
        method: row.method,
        path: row.path,
        headers: row.headers,
        body: row.body,
        answer: { status: row.responseStatus, body: row.responseBody },
        fault: row.fault,
        receivedAt: row.receivedAt,
        durationMs: row.durationMs,
      })),
      total,
      page,
      limit,
    };
  }

  // ---------------------------------------------------------------- the IMSHOP peer

  /** IMSHOP's protocol: the retailer's key as `Authorization: Bearer` or `key` in the body. 403 for a bad token. */
  imshopRefusal(authorization: string | undefined, body: unknown): PeerAnswer | null {
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : undefined;
    const inBody = isPlainObject(body) && typeof body.key === 'string' ? body.key : undefined;
    if (secretsEqual(bearer ?? inBody, this.config.imshop.apiKey ?? '')) return null;
    return { status: 403, body: { success: false, errorCode: 'FORBIDDEN', errorMessage: 'bad token: the key is not the one this sandbox IMSHOP knows' } };
  }

  /** Order status sync (seed 001): `{success, internalId, uuid, newStatus, imshopStatus, message}`. */
  imshopStatusSync(body: unknown): PeerAnswer {
    const checked = validateDto(ImshopStatusSyncDto, body);
    if (!checked.ok) return { status: 400, body: { success: false, errorCode: 'BAD_REQUEST', errorMessage: checked.messages.join('; ') } };
    const dto = checked.value;
    return {
      status: 200,
      body: {
        success: true,
        internalId: dto.id,
        uuid: uuidFor(dto.id),
        newStatus: dto.code,
        imshopStatus: IMSHOP_STATUSES.has(dto.code) ? dto.code : 'processing',
        message: dto.message ?? null,
      },
    };
  }

  /** Ticket creation: `{success, ticketId, status: created|cancelled}`; a cancel ticket needs a ticket to withdraw. */
  async imshopTicket(body: unknown): Promise<PeerAnswer> {
    const checked = validateDto(ImshopTicketRequestDto, body);
    if (!checked.ok) return { status: 400, body: { success: false, errorCode: 'BAD_REQUEST', errorMessage: checked.messages.join('; ') } };
    const dto = checked.value;
    if (dto.type === 'cancel' && !(await this.repository.cancelTicket(dto.ticketId!))) {
      return { status: 400, body: { success: false, errorCode: 'TICKET_NOT_FOUND', errorMessage: `no ticket ${dto.ticketId} to cancel` } };
    }
    const ticketId = await this.repository.nextTicketId();
    const status = dto.type === 'cancel' ? 'cancelled' : 'created';
    await this.repository.saveTicket({ ticketId, type: dto.type, orderId: dto.orderId, storeId: dto.storeId, status, cancelsTicketId: dto.type === 'cancel' ? dto.ticketId! : null });
    return { status: 200, body: { success: true, status, ticketId } };
  }

  // ---------------------------------------------------------------- the Market peer

  /** Market takes the key in `Api-Key`: 401 without it, 403 for another one (`ApiErrorResponse`). */
  marketRefusal(apiKey: string | undefined): PeerAnswer | null {
    if (!apiKey) return { status: 401, body: marketError('UNAUTHORIZED', 'Api-Key header is required') };
    if (!secretsEqual(apiKey, this.config.marketApi.apiKey ?? '')) return { status: 403, body: marketError('FORBIDDEN', 'the Api-Key is not valid for this sandbox Market') };
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
  @Handles(ORDER_CHANGED)
  async learnFromNotification({ result, event, manager }: OrderChange): Promise<void> {
    if (!this.config.sandboxPeers.market) return;
    if (event.source !== 'market') return;
    const { marketCampaignId: campaignId, marketOrderId: orderId } = result.order;
    const payload = event.payload as Record<string, unknown> | null | undefined;
    if (!campaignId || !orderId || !payload) return;
    const at = event.eventAt ?? new Date();
    switch (payload.notificationType) {
      case 'ORDER_CREATED': {
        const items = Array.isArray(payload.items)
          ? (payload.items as { offerId?: unknown; count?: unknown }[]).map((item) => ({ offerId: String(item?.offerId ?? 'SKU').slice(0, 255), count: Number(item?.count) > 0 ? Number(item.count) : 1 }))
          : [];
        return this.repository.learnMarketOrder({ campaignId, orderId, items, at }, manager);
      }
      case 'ORDER_STATUS_UPDATED':
        // Market may send values we do not know (tolerant reader): kept, cut to the column's length.
        return this.repository.learnMarketOrder({ campaignId, orderId, status: String(payload.status).slice(0, 64), substatus: String(payload.substatus).slice(0, 64), at }, manager);
      case 'ORDER_CANCELLED':
        return this.repository.learnMarketOrder(
          { campaignId, orderId, status: 'CANCELLED', substatus: typeof payload.substatus === 'string' ? payload.substatus.slice(0, 64) : 'UNKNOWN', cancelRequested: false, at },
          manager,
        );
      case 'ORDER_CANCELLATION_REQUEST':
        return this.repository.learnMarketOrder({ campaignId, orderId, cancelRequested: true, at }, manager);
    }
  }
}

function marketError(code: string, message: string) {
  return { status: 'ERROR', errors: [{ code, message }] };
}

function notFound(campaignId: string, orderId: string): PeerAnswer {
  return { status: 404, body: marketError('NOT_FOUND', `order ${orderId} of campaign ${campaignId} is not known to this sandbox Market (send its ORDER_CREATED first)`) };
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

/** IMSHOP's uuid of an order: made up, but the same for the same order number every time. */
function uuidFor(orderNumber: string): string {
  const hex = createHash('sha256').update(`sandbox-imshop:${orderNumber}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
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

/** Authentication headers are kept as "was sent", never as their value. */
function maskHeaders(headers: Record<string, string>): Record<string, string> {
  const masked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization') masked[lower] = value.startsWith('Bearer ') ? `Bearer ${MASK}` : MASK;
    else if (lower === 'api-key' || lower === 'x-api-key' || lower === 'cookie') masked[lower] = MASK;
    else masked[lower] = value;
  }
  return masked;
}

/** IMSHOP's key may travel in the body as `key`; any key, token or password field is masked, at any depth. */
function maskKeys(value: unknown, depth = 0): unknown {
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskKeys(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([name, inner]) => [name, /^(key|api[-_]?key|token|password|secret)$/i.test(name) ? MASK : maskKeys(inner, depth + 1)]),
  );
}
