import { Inject, Injectable } from '@nestjs/common';
import { parseJsonLossless } from '../common/lossless-json';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MarketRateLimiter } from './market-rate-limiter';

/** Market's status/substatus pair for `PUT …/status`. */
export interface MarketStatusChange {
  status: string;
  substatus?: string | null;
}

/** Why a buyer's cancellation is refused (`OrderCancellationReasonType`). */
export type MarketCancellationReason = 'ORDER_DELIVERED' | 'ORDER_IN_DELIVERY';

export interface MarketCallResult {
  /** 0 when no HTTP answer arrived (timeout, refused, reset) or the call was held back by the limiter. */
  status: number;
  body: unknown;
  latencyMs: number;
  /** How long Market asked us to wait (Retry-After, or X-RateLimit-Resource-Until on a 420/429). */
  retryAfterSeconds?: number;
  error?: string;
}

const INT64 = /^\d{1,19}$/;

/**
 * Market's partner API (`MARKET_API_URL`, `Api-Key` header). Never throws for a remote failure: the caller decides
 * what a status means. int64 ids travel as strings in our code and as bare JSON integers on the wire (written
 * digit for digit, read back with the lossless parser), so an id above 2^53 is never rounded.
 */
@Injectable()
export class MarketApiClient {
  readonly limiter: MarketRateLimiter;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.limiter = new MarketRateLimiter(config.marketApi.maxParallel);
  }

  /** MARKET_API_KEY unset: nothing is sent to Market (status push, cancellation answers and detail fetches are off). */
  get configured(): boolean {
    return Boolean(this.config.marketApi.apiKey);
  }

  /** `PUT v2/campaigns/{campaignId}/orders/{orderId}/status` (updateOrderStatus). */
  updateOrderStatus(campaignId: string, orderId: string, change: MarketStatusChange): Promise<MarketCallResult> {
    const order: Record<string, string> = { status: change.status };
    if (change.substatus) order.substatus = change.substatus;
    return this.call('updateOrderStatus', `campaign:${campaignId}`, 'PUT', `/v2/campaigns/${id(campaignId)}/orders/${id(orderId)}/status`, JSON.stringify({ order }));
  }

  /** `PUT v2/campaigns/{campaignId}/orders/{orderId}/cancellation/accept` (acceptOrderCancellation). */
  answerCancellation(campaignId: string, orderId: string, accepted: boolean, reason?: MarketCancellationReason): Promise<MarketCallResult> {
    const body: Record<string, unknown> = { accepted };
    if (!accepted) body.reason = reason ?? 'ORDER_DELIVERED';
    return this.call(
      'acceptOrderCancellation',
      `campaign:${campaignId}`,
      'PUT',
      `/v2/campaigns/${id(campaignId)}/orders/${id(orderId)}/cancellation/accept`,
      JSON.stringify(body),
    );
  }

  /** `POST v1/businesses/{businessId}/orders` (getBusinessOrders) for one order of one campaign. */
  getBusinessOrder(businessId: string, campaignId: string, orderId: string): Promise<MarketCallResult> {
    // Written by hand: the ids must be JSON integers with every digit kept.
    const body = `{"orderIds":[${id(orderId)}],"campaignIds":[${id(campaignId)}]}`;
    return this.call('getBusinessOrders', `business:${businessId}`, 'POST', `/v1/businesses/${id(businessId)}/orders`, body);
  }

  /**
   * `POST v1/businesses/{businessId}/orders` (getBusinessOrders): one page of a campaign's orders updated in
   * `[updateDateFrom, updateDateTo]` (ISO 8601), `limit` per page, `pageToken` from the previous page's `paging.nextPageToken`.
   */
  searchBusinessOrders(
    businessId: string,
    campaignId: string,
    window: { updateDateFrom: string; updateDateTo: string },
    page: { pageToken?: string | null; limit: number },
  ): Promise<MarketCallResult> {
    const body = `{"campaignIds":[${id(campaignId)}],"dates":${JSON.stringify({ updateDateFrom: window.updateDateFrom, updateDateTo: window.updateDateTo })}}`;
    const query = new URLSearchParams({ limit: String(page.limit) });
    if (page.pageToken) query.set('pageToken', page.pageToken);
    return this.call('getBusinessOrders', `business:${businessId}`, 'POST', `/v1/businesses/${id(businessId)}/orders?${query.toString()}`, body);
  }

  /** `GET v2/campaigns/{campaignId}/orders/{orderId}/buyer` (getOrderBuyerInfo): the buyer's name and phone (DBS). */
  getOrderBuyer(campaignId: string, orderId: string): Promise<MarketCallResult> {
    return this.call('getOrderBuyerInfo', `campaign:${campaignId}`, 'GET', `/v2/campaigns/${id(campaignId)}/orders/${id(orderId)}/buyer`);
  }

  private async call(method: string, entity: string, verb: string, path: string, body?: string): Promise<MarketCallResult> {
    if (!this.config.marketApi.apiKey) return { status: 0, body: null, latencyMs: 0, error: 'the Market partner API is not configured (MARKET_API_KEY)' };
    const wait = this.limiter.heldBackFor(method, entity);
    if (wait > 0) {
      return {
        status: 0,
        body: null,
        latencyMs: 0,
        retryAfterSeconds: Math.ceil(wait / 1000),
        error: `held back: Market's limit for ${method} (${entity}) is used up for ${Math.ceil(wait / 1000)} s more`,
      };
    }
    return this.limiter.run(entity, async () => {
      const started = Date.now();
      try {
        const response = await fetch(new URL(path.slice(1), this.baseUrl()), {
          method: verb,
          headers: {
            'Api-Key': this.config.marketApi.apiKey!,
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body,
          signal: AbortSignal.timeout(this.config.delivery.timeoutMs),
        });
        const text = await response.text();
        let parsed: unknown = text;
        try {
          parsed = text ? parseJsonLossless(text) : null;
        } catch {
          // an HTML error page from a proxy, say: keep the text
        }
        const until = untilHeader(response.headers.get('x-ratelimit-resource-until'));
        const remaining = response.headers.get('x-ratelimit-resource-remaining');
        const limited = response.status === 420 || response.status === 429;
        if (until !== undefined && (limited || (remaining !== null && Number(remaining.trim()) <= 0))) this.limiter.holdBack(method, entity, until);
        let retryAfterSeconds = retryAfter(response.headers.get('retry-after'));
        if (limited && retryAfterSeconds === undefined && until !== undefined) retryAfterSeconds = Math.max(1, Math.ceil((until - Date.now()) / 1000));
        return { status: response.status, body: parsed, latencyMs: Date.now() - started, retryAfterSeconds, error: response.ok ? undefined : describeError(response.status, parsed) };
      } catch (error) {
        const cause = error as Error & { cause?: { code?: string } };
        const reason = cause.name === 'TimeoutError' ? `no answer within ${this.config.delivery.timeoutMs} ms` : (cause.cause?.code ?? cause.message);
        return { status: 0, body: null, latencyMs: Date.now() - started, error: reason };
      }
    });
  }

  private baseUrl(): string {
    const base = this.config.marketApi.apiUrl;
    return base.endsWith('/') ? base : `${base}/`;
  }
}

/** What an answer means for a retried delivery: 2xx done; 420/429, 408, 5xx and no answer retried; other 4xx final. */
export function marketVerdict(result: MarketCallResult): 'sent' | 'retry' | 'dead' {
  if (result.status >= 200 && result.status < 300) return 'sent';
  if (result.status === 0 || result.status === 408 || result.status === 420 || result.status === 429 || result.status >= 500) return 'retry';
  return 'dead';
}

function id(value: string): string {
  if (!INT64.test(String(value))) throw new Error(`not an int64 id: ${String(value)}`);
  return String(value);
}

/** `errors[].code: message` of Market's error body (`ApiErrorResponse`), else the HTTP status. */
function describeError(status: number, body: unknown): string {
  const errors = (body as { errors?: { code?: unknown; message?: unknown }[] } | null)?.errors;
  if (Array.isArray(errors) && errors.length) {
    return `Market answered ${status}: ${errors.map((e) => [e?.code, e?.message].filter(Boolean).join(': ')).join('; ')}`;
  }
  return `Market answered ${status}`;
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** `X-RateLimit-Resource-Until` is an RFC 822 date (`Thu, 10 Jul 2018 00:42:42 GMT`). */
function untilHeader(header: string | null): number | undefined {
  if (!header) return undefined;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : at;
}
