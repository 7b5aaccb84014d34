import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { parseJsonLossless } from '../../src/common/lossless-json';
import { reportContractViolation } from './contract-violations';
import { serveLocally } from './fake-http-peer';
import { OpenApiContract } from './openapi-contract';

/** Market's whole official partner API OpenAPI description, copied unchanged (see its SOURCE.md). */
export const PARTNER_API_ENTRY = join(process.cwd(), 'test', 'fixtures', 'yandex-market-partner-api', 'openapi', 'openapi.yaml');

let partnerApiContract: Promise<OpenApiContract> | undefined;

/** The partner API spec, bundled once per test file. */
export function partnerApi(): Promise<OpenApiContract> {
  partnerApiContract ??= OpenApiContract.fromFile(PARTNER_API_ENTRY).then((spec) => {
    // Ajv takes the spec in on first use (about a second): here, not while the app waits for an answer.
    spec.requestProblems(
      { method: 'PUT', url: '/v2/campaigns/1/orders/1/status', headers: { 'content-type': 'application/json' }, body: { order: { status: 'PROCESSING' } } },
      { closed: true },
    );
    return spec;
  });
  return partnerApiContract;
}

/**
 * Everything in a request of ours to Market's partner API that leaves the spec: path and method, parameters, the
 * `Api-Key` header (the spec's only security scheme), content type and body, strictly (no undeclared field).
 */
export function partnerApiRequestProblems(
  spec: OpenApiContract,
  request: { method: string; url: string; headers: IncomingHttpHeaders; raw: string },
  apiKey: string | undefined,
): string[] {
  const problems: string[] = [];
  let body: unknown;
  try {
    body = request.raw ? JSON.parse(request.raw) : undefined;
  } catch (error) {
    problems.push(`body is not JSON: ${(error as Error).message}`);
  }
  problems.push(...spec.requestProblems({ method: request.method, url: request.url, headers: request.headers, body }, { closed: true }));
  const header = String(spec.document.components!.securitySchemes!.ApiKey.name).toLowerCase();
  if (apiKey !== undefined && request.headers[header] !== apiKey) problems.push(`${header} header is ${JSON.stringify(request.headers[header])}`);
  if (request.headers.authorization) problems.push('an Authorization header was sent (Market takes the key in Api-Key)');
  return problems;
}

export interface MarketRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body text (to see int64 digits as sent). */
  raw: string;
  /** Parsed losslessly: int64 ids above 2^53 are digit strings. */
  body: any;
  operationId: string | null;
  params: Record<string, string>;
  /** Everything that does not match the spec (path, parameters, Api-Key, content type, body schema). Empty = valid. */
  problems: string[];
  at: number;
  doneAt?: number;
}

export type MarketAnswer = { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number };
export type MarketResponder = (req: MarketRequest, index: number) => MarketAnswer | undefined;

/**
 * A real HTTP server standing in for Market's partner API. Every request is checked against the whole official
 * spec (partnerApiRequestProblems); a request that leaves it fails the test it came in (contract-setup.ts).
 * Default answers are valid per the spec; `respond` overrides them.
 */
export async function startFakeMarketApi(apiKey: string) {
  const spec = await partnerApi();
  const requests: MarketRequest[] = [];
  let responder: MarketResponder = () => undefined;
  let inFlight = 0;
  let maxInFlight = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = raw ? parseJsonLossless(raw) : null;
      } catch {
        // partnerApiRequestProblems names it
      }
      const problems = partnerApiRequestProblems(spec, { method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw }, apiKey);
      for (const problem of problems) reportContractViolation(`the app's ${req.method} ${req.url} to Market's partner API: ${problem}`);
      const matched = spec.match(req.method ?? '', req.url ?? '');
      const request: MarketRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body,
        operationId: matched?.operation.operationId ?? null,
        params: matched?.params ?? {},
        problems,
        at: Date.now(),
      };
      requests.push(request);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      let answer: MarketAnswer;
      try {
        answer = responder(request, requests.length - 1) ?? defaultAnswer(request);
      } catch (error) {
        answer = { status: 500, body: { status: 'ERROR', errors: [{ code: 'INTERNAL_ERROR', message: (error as Error).message }] } };
      }
      const finish = () => {
        inFlight--;
        request.doneAt = Date.now();
        res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
        res.end(answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      };
      if (answer.delayMs) setTimeout(finish, answer.delayMs);
      else finish();
    });
  });
  const served = await serveLocally(server);

  return {
    url: served.url,
    requests,
    respond(fn: MarketResponder) {
      responder = fn;
    },
    /** Requests of one operation, optionally for one order id. */
    calls(operationId: string, orderId?: string) {
      return requests.filter(
        (r) =>
          r.operationId === operationId &&
          (orderId === undefined || r.params.orderId === orderId || (Array.isArray(r.body?.orderIds) && r.body.orderIds.map(String).includes(orderId))),
      );
    },
    get maxInFlight() {
      return maxInFlight;
    },
    resetMaxInFlight() {
      maxInFlight = inFlight;
    },
    close: served.close,
  };
}

export type FakeMarketApi = Awaited<ReturnType<typeof startFakeMarketApi>>;

/** Market's answers when a test does not say otherwise (each valid for its operation's 200 schema). */
function defaultAnswer(req: MarketRequest): MarketAnswer {
  switch (req.operationId) {
    case 'updateOrderStatus':
      return { status: 200, body: {} };
    case 'acceptOrderCancellation':
      return { status: 200, body: { status: 'OK' } };
    case 'getBusinessOrders':
      return { status: 200, body: { orders: [] } };
    case 'getOrderBuyerInfo':
      return { status: 200, body: { status: 'OK', result: { type: 'PERSON', firstName: 'Пётр', lastName: 'Иванов', phone: '+79990001122' } } };
    default:
      return { status: 404, body: { status: 'ERROR', errors: [{ code: 'NOT_FOUND', message: 'no such method' }] } };
  }
}

/** Market's 4xx/5xx body (`ApiErrorResponse`). */
export function marketError(code: string, message: string) {
  return { status: 'ERROR', errors: [{ code, message }] };
}
