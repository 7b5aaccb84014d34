/**
 * Pure builders and parsers for IMSHOP's order status API (seed 001, us → IMSHOP).
 * The HTTP client (auth header, URL — a secret, never logged — timeouts) lives elsewhere.
 */

export interface StatusPushInput {
  /** The retailer's (OMS) order number: IMSHOP's `id` (required by IMSHOP since Dec 2021). */
  orderNumber: string;
  /** The retailer's status code (`code`). */
  code: string;
  /** Buyer-facing text shown in the app. */
  message?: string | null;
  /** http(s) tracking page. */
  trackingUrl?: string | null;
  /** Buyer id or bare phone number, for push notifications about orders not placed in the app. */
  userId?: string | null;
  /** Only when the payment state changed; both fields required. */
  payment?: { paid: boolean; paymentId: string } | null;
}

/** The exact JSON body of IMSHOP's order status API. */
export interface ImshopStatusPushBody {
  id: string;
  code: string;
  message?: string;
  trackingUrl?: string;
  userId?: string;
  payment?: { paid: boolean; paymentId: string };
}

/**
 * Builds the request body `{ id, code, message?, trackingUrl?, userId?, payment?: { paid, paymentId } }`.
 * Optional fields that are undefined or null are left out (never sent as null); extra keys on the input
 * (`payment` included) are not copied. Throws on a blank order number or code, or a half-filled payment:
 * those are programming errors, not data to send.
 */
export function buildStatusPush(input: StatusPushInput): ImshopStatusPushBody {
  if (typeof input.orderNumber !== 'string' || input.orderNumber.trim() === '') {
    throw new TypeError('buildStatusPush: orderNumber must be a non-empty string');
  }
  if (typeof input.code !== 'string' || input.code.trim() === '') {
    throw new TypeError('buildStatusPush: code must be a non-empty string');
  }
  const body: ImshopStatusPushBody = { id: input.orderNumber, code: input.code };
  if (present(input.message)) body.message = input.message;
  if (present(input.trackingUrl)) body.trackingUrl = input.trackingUrl;
  if (present(input.userId)) body.userId = input.userId;
  if (present(input.payment)) {
    const { paid, paymentId } = input.payment;
    if (typeof paid !== 'boolean' || typeof paymentId !== 'string' || paymentId === '') {
      throw new TypeError('buildStatusPush: payment needs both paid (boolean) and paymentId (non-empty string)');
    }
    body.payment = { paid, paymentId };
  }
  return body;
}

function present<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

export interface ImshopResponseVerdict {
  ok: boolean;
  /** Worth another attempt later (with backoff); false means dead-letter / operator attention. */
  retryable: boolean;
  /** Why it failed, for the delivery row; absent when ok. Contains no URL or credential. */
  error?: string;
}

/** Longest part of IMSHOP's answer copied into `error`. */
const MAX_ERROR_DETAIL = 300;

/**
 * Judges IMSHOP's answer to a status push. IMSHOP documents no error codes or error bodies, so:
 *
 * - `status` 0 (or any value below 100) means no HTTP answer at all (network error, timeout,
 *   connection reset): failure, retryable;
 * - 2xx with `success: false` (boolean or the string `"false"`): failure, **not** retryable — IMSHOP read
 *   the request and refused it, the same body would be refused again;
 * - 2xx otherwise (including an empty or non-JSON body, or no `success` field): ok;
 * - 408, 425, 429 and every 5xx: failure, retryable;
 * - every other status (1xx, 3xx — redirects are not followed —, 4xx such as 400/401/403/404): failure,
 *   not retryable (a bad request, key or URL does not heal by itself).
 */
export function parseImshopStatusResponse(status: number, body: unknown): ImshopResponseVerdict {
  if (!Number.isInteger(status) || status < 100) {
    return { ok: false, retryable: true, error: `no HTTP answer from IMSHOP (network error or timeout)${detail(body)}` };
  }
  if (status >= 200 && status < 300) {
    const parsed = asObject(body);
    if (parsed && (parsed.success === false || parsed.success === 'false')) {
      return { ok: false, retryable: false, error: `IMSHOP answered HTTP ${status} with success: false${detail(body)}` };
    }
    return { ok: true, retryable: false };
  }
  const retryable = status === 408 || status === 425 || status === 429 || status >= 500;
  return { ok: false, retryable, error: `IMSHOP answered HTTP ${status}${detail(body)}` };
}

/** The body as an object: a parsed JSON object, or a string that parses to one. */
function asObject(body: unknown): Record<string, unknown> | null {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** `: <IMSHOP's message>` from the usual error fields, or a clipped copy of the raw body; '' when empty. */
function detail(body: unknown): string {
  if (body === undefined || body === null || body === '') return '';
  const parsed = asObject(body);
  if (parsed) {
    for (const field of ['message', 'errorMessage', 'error', 'errorCode']) {
      const value = parsed[field];
      if (typeof value === 'string' && value.trim() !== '') return `: ${clip(value)}`;
    }
  }
  let raw: string;
  if (typeof body === 'string') {
    raw = body;
  } else {
    try {
      raw = JSON.stringify(body) ?? String(body);
    } catch {
      raw = String(body);
    }
  }
  return `: ${clip(raw)}`;
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_ERROR_DETAIL ? `${flat.slice(0, MAX_ERROR_DETAIL)}…` : flat;
}
