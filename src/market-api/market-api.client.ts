import { Inject, Injectable } from '@nestjs/common';
import { parseJsonLossless } from '../common/lossless-json';
import { callPeer, retryAfterSeconds, sanitizeJson, type PeerCallResult } from '../common/peer-http';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MarketRateLimiter } from './market-rate-limiter';

/** Market's status/substatus pair for `PUT …/status`. */
export interface MarketStatusChange {
  status: string;
  substatus?: string | null;
}

/** Why a buyer's cancellation is refused (`OrderCancellationReasonType`). */
export type MarketCancellationReason = 'ORDER_DELIVERED' | 'ORDER_IN_DELIVERY';

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
  updateOrderStatus(campaignId: string, orderId: string, change: MarketStatusChange, signal?: AbortSignal): Promise<PeerCallResult> {
    const order: Record<string, string> = { status: change.status };
    if (change.substatus) order.substatus = change.substatus;
    return this.call(
      'updateOrderStatus',
      `campaign:${campaignId}`,
      'PUT',
      `/v2/campaigns/${id(campaignId)}/orders/${id(orderId)}/status`,
      JSON.stringify({ order }),
      signal,
    );
  }

  /** `PUT v2/campaigns/{campaignId}/orders/{orderId}/cancellation/accept` (acceptOrderCancellation). */
  answerCancellation(campaignId: string, orderId: string, accepted: boolean, reason?: MarketCancellationReason, signal?: AbortSignal): Promise<PeerCallResult> {
    const body: Record<string, unknown> = { accepted };
    if (!accepted) body.reason = reason ?? 'ORDER_DELIVERED';
    return this.call(
      'acceptOrderCancellation',
      `campaign:${campaignId}`,
      'PUT',
      `/v2/campaigns/${id(campaignId)}/orders/${id(orderId)}/cancellation/accept`,
      JSON.stringify(body),
      signal,
    );
  }

  /** `POST v1/businesses/{businessId}/orders` (getBusinessOrders) for one order of one campaign. */
  getBusinessOrder(businessId: string, campaignId: string, orderId: string, signal?: AbortSignal): Promise<PeerCallResult> {
    // Written by hand: the ids must be JSON integers with every digit kept.
    const body = `{"orderIds":[${id(orderId)}],"campaignIds":[${id(campaignId)}]}`;
    return this.call('getBusinessOrders', `business:${businessId}`, 'POST', `/v1/businesses/${id(businessId)}/orders`, body, signal);
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
  ): Promise<PeerCallResult> {
    const body = `{"campaignIds":[${id(campaignId)}],"dates":${JSON.stringify({ updateDateFrom: window.updateDateFrom, updateDateTo: window.updateDateTo })}}`;
    const query = new URLSearchParams({ limit: String(page.limit) });
    if (page.pageToken) query.set('pageToken', page.pageToken);
    return this.call('getBusinessOrders', `business:${businessId}`, 'POST', `/v1/businesses/${id(businessId)}/orders?${query.toString()}`, body);
  }

  /** `GET v2/campaigns/{campaignId}/orders/{orderId}/buyer` (getOrderBuyerInfo): the buyer's name and phone (DBS). */
  getOrderBuyer(campaignId: string, orderId: string, signal?: AbortSignal): Promise<PeerCallResult> {
    return this.call('getOrderBuyerInfo', `campaign:${campaignId}`, 'GET', `/v2/campaigns/${id(campaignId)}/orders/${id(orderId)}/buyer`, undefined, signal);
  }

  /** `signal`: see PeerRequest.signal (a delivery attempt's lease); it is checked again after a wait at the limiter. */
  private async call(method: string, entity: string, verb: string, path: string, body?: string, signal?: AbortSignal): Promise<PeerCallResult> {
    if (!this.config.marketApi.apiKey)
      return { status: 0, body: null, text: '', latencyMs: 0, error: 'the Market partner API is not configured (MARKET_API_KEY)', notSent: true };
    const wait = this.limiter.heldBackFor(method, entity);
    if (wait > 0) {
      return {
        status: 0,
        body: null,
        text: '',
        latencyMs: 0,
        retryAfterSeconds: Math.ceil(wait / 1000),
        error: `held back: Market's limit for ${method} (${entity}) is used up for ${Math.ceil(wait / 1000)} s more`,
        notSent: true,
      };
    }
    return this.limiter.run(entity, async () => {
      const answer = await callPeer({
        url: new URL(path.slice(1), this.baseUrl()),
        method: verb,
        headers: {
          'Api-Key': this.config.marketApi.apiKey!,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body,
        timeoutMs: this.config.delivery.timeoutMs,
        signal,
      });
      if (!answer.headers) return { status: 0, body: null, text: '', latencyMs: answer.latencyMs, error: answer.error, notSent: answer.notSent };
      let parsed: unknown = answer.text || null;
      if (answer.text && !answer.truncated) {
        try {
          parsed = sanitizeJson(parseJsonLossless(answer.text));
        } catch {
          // an HTML error page from a proxy, say: keep the text
        }
      }
      const until = untilHeader(answer.headers.get('x-ratelimit-resource-until'));
      const remaining = answer.headers.get('x-ratelimit-resource-remaining');
      const limited = answer.status === 420 || answer.status === 429;
      if (until !== undefined && (limited || (remaining !== null && Number(remaining.trim()) <= 0))) this.limiter.holdBack(method, entity, until);
      let retryAfter = retryAfterSeconds(answer.headers.get('retry-after'));
      if (limited && retryAfter === undefined && until !== undefined) retryAfter = Math.max(1, Math.ceil((until - Date.now()) / 1000));
      const ok = answer.status >= 200 && answer.status < 300;
      return {
        status: answer.status,
        body: parsed,
        text: answer.text,
        latencyMs: answer.latencyMs,
        retryAfterSeconds: retryAfter,
        error: ok ? answer.error : [describeError(answer.status, parsed), answer.error].filter(Boolean).join('; '),
      };
    });
  }

  private baseUrl(): string {
    const base = this.config.marketApi.apiUrl;
    return base.endsWith('/') ? base : `${base}/`;
  }
}

/** What an answer means for a retried delivery: 2xx done; 420/429, 408, 5xx and no answer retried; other 4xx final. */
export function marketVerdict(result: PeerCallResult): 'sent' | 'retry' | 'dead' {
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

/** `X-RateLimit-Resource-Until` is an RFC 822 date (`Thu, 10 Jul 2018 00:42:42 GMT`). */
function untilHeader(header: string | null): number | undefined {
  if (!header) return undefined;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : at;
}
