/**
 * Our one way of calling a peer (IMSHOP, Market). Whatever the peer answers, the caller gets a result it can
 * record: a redirect is never followed (it is reported, with its Location), at most `maxBodyBytes` of the body
 * are read (the rest is abandoned and the result says so), and the text is sanitized so that any column,
 * text or jsonb, takes it. Never throws for a remote failure.
 */
export interface PeerRequest {
  url: string | URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Default {@link MAX_PEER_BODY_BYTES}. */
  maxBodyBytes?: number;
}

export interface PeerAnswer {
  /** 0 when no HTTP answer arrived (timeout, refused, reset). */
  status: number;
  /** The body (its first `maxBodyBytes`), as sanitized text; '' when there was none. */
  text: string;
  /** The body was longer than `maxBodyBytes`: `text` is its beginning only. */
  truncated: boolean;
  headers: Headers | null;
  latencyMs: number;
  /** Why there is no status (no answer), or what was wrong with the answer (a redirect, a cut body). */
  error?: string;
}

/** What we keep of a peer's answer: enough for any error body or result, small enough for a row. */
export const MAX_PEER_BODY_BYTES = 64 * 1024;

export async function callPeer(request: PeerRequest): Promise<PeerAnswer> {
  const started = Date.now();
  const limit = request.maxBodyBytes ?? MAX_PEER_BODY_BYTES;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new PeerTimeout(request.timeoutMs)), request.timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: controller.signal,
      // A followed redirect turns our POST into a GET without a body at another address (and would carry the
      // credentials there): the peer's 3xx is its answer, and the caller decides what it means.
      redirect: 'manual',
    });
    const { text, truncated } = await readBounded(response, limit, controller);
    const latencyMs = Date.now() - started;
    let error: string | undefined;
    if (response.status >= 300 && response.status < 400) {
      error = `redirected (HTTP ${response.status} to ${describeLocation(response.headers.get('location'))}); redirects are not followed`;
    } else if (truncated) {
      error = `the answer's body is larger than ${limit} bytes: only its first ${limit} bytes were read`;
    }
    return { status: response.status, text, truncated, headers: response.headers, latencyMs, error };
  } catch (error) {
    const cause = error as Error & { cause?: { code?: string; message?: string } };
    const reason =
      controller.signal.reason instanceof PeerTimeout
        ? controller.signal.reason.message
        : (cause.cause?.code ?? cause.cause?.message ?? cause.message ?? String(error));
    return { status: 0, text: '', truncated: false, headers: null, latencyMs: Date.now() - started, error: sanitizeText(reason) };
  } finally {
    clearTimeout(timer);
  }
}

class PeerTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** Reads at most `limit` bytes of the body; past it the rest is abandoned (the connection is not read to its end). */
async function readBounded(response: Response, limit: number, controller: AbortController): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      size = limit;
      truncated = true;
      await reader.cancel().catch(() => undefined);
      controller.abort();
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: sanitizeText(Buffer.concat(chunks, size).toString('utf8')), truncated };
}

/** Where a redirect pointed, without its query or credentials (they may carry a peer's tokens). */
function describeLocation(location: string | null): string {
  if (!location) return 'no Location';
  try {
    const url = new URL(location, 'http://relative.invalid');
    const where = url.host === 'relative.invalid' ? url.pathname : `${url.protocol}//${url.host}${url.pathname}`;
    return sanitizeText(where).slice(0, 300);
  } catch {
    return sanitizeText(location).slice(0, 300);
  }
}

/**
 * Text any PostgreSQL column takes: no U+0000 (text and jsonb refuse it) and no lone surrogate (not valid
 * UTF-8; invalid bytes already became U+FFFD when the body was decoded).
 */
export function sanitizeText(text: string): string {
  return text.replace(/\u0000/g, '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` cut to at most `max` characters, never in the middle of a surrogate pair. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  // A pair cut in two leaves its high half at the end: drop it rather than store half a character.
  return (/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut) + '…';
}

/** A value parsed from a peer's JSON with its strings (and keys) sanitized, so that jsonb takes it. */
export function sanitizeJson(value: unknown): unknown {
  if (typeof value === 'string') return sanitizeText(value);
  if (Array.isArray(value)) return value.map(sanitizeJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[sanitizeText(key)] = sanitizeJson(item);
    return out;
  }
  return value;
}

/** Seconds from a Retry-After header (delta seconds or an HTTP date). */
export function retryAfterSeconds(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
