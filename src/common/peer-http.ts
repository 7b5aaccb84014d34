import http from 'node:http';
import https from 'node:https';
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
  /**
   * When it is aborted, no request starts (the result says so, with status 0 and `notSent`); a request already
   * out is not cut. The delivery worker aborts it once its lease may lapse before a whole request could end.
   */
  signal?: AbortSignal;
}

/** The answer's headers, by lower-case name. */
export interface PeerHeaders {
  get(name: string): string | null;
}

export interface PeerAnswer {
  /** 0 when no HTTP answer arrived (timeout, refused, reset). */
  status: number;
  /** The body (its first `maxBodyBytes`), as sanitized text; '' when there was none. */
  text: string;
  /** The body was longer than `maxBodyBytes`: `text` is its beginning only. */
  truncated: boolean;
  headers: PeerHeaders | null;
  latencyMs: number;
  /** Why there is no status (no answer), or what was wrong with the answer (a redirect, a cut body). */
  error?: string;
  /** No request left this process (the signal was aborted): the peer cannot have acted on it. */
  notSent?: boolean;
}

/** A client's call to a peer (IMSHOP, Market), as its callers read it. */
export interface PeerCallResult {
  /** 0 when no HTTP answer arrived (timeout, refused, reset), or when the call was not made (held back, not configured). */
  status: number;
  /** The parsed JSON answer (sanitized), or its text when it is not JSON; null when empty. */
  body: unknown;
  /** The answer as received (its first 64 KiB, sanitized): what a delivery attempt records. */
  text: string;
  latencyMs: number;
  /** Seconds the peer asked us to wait (Retry-After, or Market's rate-limit headers). */
  retryAfterSeconds?: number;
  /** No answer (timeout, refused, reset), a redirect (never followed), a body cut at 64 KiB, or the peer's error. */
  error?: string;
  /** No request left this process (see PeerRequest.signal, or the client is not configured): the peer cannot have acted on it. */
  notSent?: boolean;
}

/** What we keep of a peer's answer: enough for any error body or result, small enough for a row. */
export const MAX_PEER_BODY_BYTES = 64 * 1024;

/**
 * Connections are kept alive between calls. node:http rather than fetch: it never follows a redirect (nothing to
 * switch off), and it costs a third of fetch's CPU per request, which the delivery worker spends thousands of times
 * a second.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' }),
};

export function callPeer(request: PeerRequest): Promise<PeerAnswer> {
  const started = Date.now();
  const limit = request.maxBodyBytes ?? MAX_PEER_BODY_BYTES;
  const url = typeof request.url === 'string' ? new URL(request.url) : request.url;
  const failed = (reason: string): PeerAnswer => ({
    status: 0,
    text: '',
    truncated: false,
    headers: null,
    latencyMs: Date.now() - started,
    error: sanitizeText(reason),
  });
  const notSent = (): PeerAnswer => ({ ...failed(`not sent: ${abortReason(request.signal)}`), notSent: true });
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (!transport) return Promise.resolve({ ...failed(`unsupported protocol ${url.protocol}`), notSent: true });
  if (request.signal?.aborted) return Promise.resolve(notSent());
  return new Promise<PeerAnswer>((resolve) => {
    let settled = false;
    let current: http.ClientRequest | undefined;
    const finish = (answer: PeerAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const headers: Record<string, string | number> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
    /**
     * A kept-alive socket the peer closed while it idled can be reset as our request goes out: the peer never
     * read it (no byte of an answer came). That one case is sent again, once, on a fresh socket; any other
     * failure is the caller's to judge (the peer may have acted on it).
     */
    const send = (freshSocket: boolean) => {
      let answered = false;
      const agent = freshSocket ? false : agents[url.protocol as 'http:' | 'https:'];
      const req = transport.request(url, { method: request.method, headers, agent }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const answer = (): PeerAnswer => {
          const status = res.statusCode ?? 0;
          let error: string | undefined;
          // A followed redirect would turn our POST into a GET without a body at another address (and carry the
          // credentials there): the peer's 3xx is its answer, and the caller decides what it means.
          if (status >= 300 && status < 400)
            error = `redirected (HTTP ${status} to ${describeLocation(header(res.headers, 'location'))}); redirects are not followed`;
          else if (truncated) error = `the answer's body is larger than ${limit} bytes: only its first ${limit} bytes were read`;
          const text = sanitizeText(Buffer.concat(chunks, size).toString('utf8'));
          return { status, text, truncated, headers: { get: (name) => header(res.headers, name) }, latencyMs: Date.now() - started, error };
        };
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          if (size + chunk.length > limit) {
            chunks.push(chunk.subarray(0, limit - size));
            size = limit;
            truncated = true;
            // The rest is abandoned with its connection.
            finish(answer());
            res.destroy();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => finish(answer()));
        res.on('error', (error) => finish(failed(describeError(error))));
        res.on('close', () => finish(res.complete ? answer() : failed('the connection closed before the answer was complete')));
      });
      current = req;
      req.on('error', (error: Error & { code?: string }) => {
        if (!settled && !answered && !freshSocket && req.reusedSocket && error.code === 'ECONNRESET') {
          if (request.signal?.aborted) return finish(notSent());
          return send(true);
        }
        finish(failed(describeError(error)));
      });
      req.end(request.body);
    };
    const timer = setTimeout(() => {
      finish(failed(`no answer within ${request.timeoutMs} ms`));
      current?.destroy();
    }, request.timeoutMs);
    send(false);
  });
}

function abortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'the call was cancelled';
}

function header(headers: http.IncomingHttpHeaders, name: string): string | null {
  const value = headers[name.toLowerCase()];
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
}

function describeError(error: Error & { code?: string }): string {
  return error.code ?? error.message;
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
    for (const [key, item] of Object.entries(value)) {
      const name = sanitizeText(key);
      // Assigned, a peer's "__proto__" would become the copy's prototype: {"__proto__":{"success":true}} would read as success.
      if (name === '__proto__') Object.defineProperty(out, name, { value: sanitizeJson(item), enumerable: true, writable: true, configurable: true });
      else out[name] = sanitizeJson(item);
    }
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
