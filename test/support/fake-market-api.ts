import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { parseJsonLossless } from '../../src/common/lossless-json';

/** Parts of Market's partner API OpenAPI description (see the file's header for the source). */
export const PARTNER_API_FILE = join(process.cwd(), 'test', 'fixtures', 'yandex-market-partner-api-excerpt.yaml');

export interface OpenApiSchema {
  $ref?: string;
  type?: string;
  format?: string;
  required?: string[];
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  allOf?: OpenApiSchema[];
  enum?: unknown[];
  nullable?: boolean;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
}

interface Parameter {
  $ref?: string;
  name: string;
  in: string;
  required?: boolean;
  schema: OpenApiSchema;
}

interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: OpenApiSchema }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: OpenApiSchema }> }>;
}

interface Spec {
  servers: { url: string }[];
  components: {
    securitySchemes: Record<string, { type: string; name?: string; in?: string }>;
    parameters: Record<string, Parameter>;
    responses: Record<string, { content: Record<string, { schema: OpenApiSchema }> }>;
    schemas: Record<string, OpenApiSchema>;
  };
  paths: Record<string, Record<string, Operation>>;
}

export const partnerApi = yaml.load(readFileSync(PARTNER_API_FILE, 'utf8')) as Spec;

function deref<T extends { $ref?: string }>(node: T): T {
  if (!node.$ref) return node;
  const [, , kind, name] = node.$ref.split('/');
  const target = (partnerApi.components as unknown as Record<string, Record<string, T>>)[kind]?.[name];
  if (!target) throw new Error(`unresolved $ref ${node.$ref}`);
  return deref(target);
}

export function schemaNamed(name: string): OpenApiSchema {
  const schema = partnerApi.components.schemas[name];
  if (!schema) throw new Error(`no schema ${name} in the partner API fixture`);
  return schema;
}

/** All properties a schema declares, through allOf. */
function declaredProperties(schema: OpenApiSchema): Record<string, OpenApiSchema> {
  const s = deref(schema);
  return Object.assign({}, ...(s.allOf ?? []).map(declaredProperties), s.properties ?? {});
}

const FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/,
  date: /^\d{4}-\d\d-\d\d$/,
  time: /^\d\d:\d\d(:\d\d)?$/,
  'date-dd-MM-yyyy': /^\d\d-\d\d-\d{4}$/,
  'date-dd-MM-yyyy-HH-mm-ss': /^\d\d-\d\d-\d{4} \d\d:\d\d:\d\d$/,
};

/**
 * Checks a value against a schema of the fixture: $ref, allOf, type, required, enum, nullable, formats, int64
 * (a JSON integer; the lossless parser gives digit strings above 2^53), lengths, item counts, patterns.
 * `strict`: properties the schema does not declare are errors too (for what *we* send).
 */
export function validate(schema: OpenApiSchema, value: unknown, strict = false, path = '$'): string[] {
  const s = deref(schema);
  const errors: string[] = [];
  if (value === null) return s.nullable ? [] : [`${path}: null is not allowed`];
  for (const part of s.allOf ?? []) errors.push(...validate({ ...part }, value, false, path));
  if (s.enum && !s.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${s.enum.join(', ')}`);
  const isInt64String = typeof value === 'string' && /^-?\d+$/.test(value) && !Number.isSafeInteger(Number(value));
  switch (s.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [...errors, `${path}: must be an object`];
      const obj = value as Record<string, unknown>;
      const props = declaredProperties(s);
      const required = [...(s.required ?? []), ...(s.allOf ?? []).flatMap((p) => deref(p).required ?? [])];
      for (const name of required) if (obj[name] === undefined) errors.push(`${path}.${name}: required`);
      for (const [name, v] of Object.entries(obj)) {
        if (props[name]) errors.push(...validate(props[name], v, strict, `${path}.${name}`));
        else if (strict) errors.push(`${path}.${name}: not in the schema`);
      }
      break;
    }
    case 'array': {
      if (!Array.isArray(value)) return [...errors, `${path}: must be an array`];
      if (s.minItems !== undefined && value.length < s.minItems) errors.push(`${path}: fewer than ${s.minItems} items`);
      if (s.maxItems !== undefined && value.length > s.maxItems) errors.push(`${path}: more than ${s.maxItems} items`);
      if (s.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) errors.push(`${path}: items not unique`);
      value.forEach((item, i) => errors.push(...validate(s.items ?? {}, item, strict, `${path}[${i}]`)));
      break;
    }
    case 'integer':
      if (!(Number.isInteger(value) || (s.format === 'int64' && isInt64String))) errors.push(`${path}: must be an integer`);
      else if (s.minimum !== undefined && Number(value) < s.minimum) errors.push(`${path}: below ${s.minimum}`);
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) errors.push(`${path}: must be a number`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${path}: must be a boolean`);
      break;
    case 'string':
      if (typeof value !== 'string') return [...errors, `${path}: must be a string`];
      if (s.minLength !== undefined && value.length < s.minLength) errors.push(`${path}: shorter than ${s.minLength}`);
      if (s.maxLength !== undefined && value.length > s.maxLength) errors.push(`${path}: longer than ${s.maxLength}`);
      if (s.pattern && !new RegExp(s.pattern).test(value)) errors.push(`${path}: does not match ${s.pattern}`);
      if (s.format && FORMATS[s.format] && !FORMATS[s.format].test(value)) errors.push(`${path}: not a ${s.format}`);
      break;
  }
  return errors;
}

export interface MatchedOperation {
  template: string;
  method: string;
  operation: Operation;
  params: Record<string, string>;
}

/** The spec operation a request is for, or null when the spec has no such path and method. */
export function matchOperation(method: string, url: string): MatchedOperation | null {
  const path = url.split('?')[0];
  for (const [template, operations] of Object.entries(partnerApi.paths)) {
    const names: string[] = [];
    const pattern = new RegExp(`^${template.replace(/\{(\w+)\}/g, (_m, name: string) => (names.push(name), '([^/]+)'))}$`);
    const match = pattern.exec(path);
    const operation = operations[method.toLowerCase()];
    if (!match || !operation) continue;
    return { template, method, operation, params: Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1])])) };
  }
  return null;
}

export function responseSchema(operation: Operation, status: number): OpenApiSchema | undefined {
  const response = operation.responses[String(status)];
  if (!response) return undefined;
  return deref(response as { $ref?: string; content?: Record<string, { schema: OpenApiSchema }> }).content?.['application/json']?.schema;
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
  /** Everything that does not match the spec (path, Api-Key, content type, body schema). Empty = valid. */
  problems: string[];
  at: number;
  doneAt?: number;
}

export type MarketAnswer = { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number };
export type MarketResponder = (req: MarketRequest, index: number) => MarketAnswer | undefined;

/**
 * A real HTTP server standing in for Market's partner API. Every request is checked against the fixture: a known
 * path and method, path parameters, the `Api-Key` header (`apiKey`), `application/json` and the request body
 * schema (strict: no undeclared fields). Default answers are valid per the spec; `respond` overrides them.
 */
export async function startFakeMarketApi(apiKey: string) {
  const requests: MarketRequest[] = [];
  const sockets = new Set<Socket>();
  let responder: MarketResponder = () => undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  const apiKeyHeader = partnerApi.components.securitySchemes.ApiKey.name!.toLowerCase();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const problems: string[] = [];
      let body: unknown = raw;
      try {
        body = raw ? parseJsonLossless(raw) : null;
      } catch (error) {
        problems.push(`body is not JSON: ${(error as Error).message}`);
      }
      const matched = matchOperation(req.method ?? '', req.url ?? '');
      if (!matched) problems.push(`no ${req.method} ${req.url} in the partner API`);
      if (req.headers[apiKeyHeader] !== apiKey) problems.push(`${apiKeyHeader} header is ${JSON.stringify(req.headers[apiKeyHeader])}`);
      if (req.headers.authorization) problems.push('an Authorization header was sent (Market takes the key in Api-Key)');
      if (matched) {
        for (const parameter of (matched.operation.parameters ?? []).map((p) => deref(p as Parameter))) {
          if (parameter.in !== 'path') continue;
          const value = matched.params[parameter.name];
          if (!/^\d+$/.test(value ?? '')) problems.push(`path parameter ${parameter.name} is not an integer: ${value}`);
          else problems.push(...validate(parameter.schema, Number.isSafeInteger(Number(value)) ? Number(value) : value, false, parameter.name));
        }
        const content = matched.operation.requestBody?.content['application/json'];
        if (content) {
          if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) problems.push(`content-type is ${req.headers['content-type']}`);
          problems.push(...validate(content.schema, body, true, 'body'));
        } else if (raw) {
          problems.push('a body was sent to an operation that takes none');
        }
      }
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
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(fn: MarketResponder) {
      responder = fn;
    },
    /** Requests of one operation, optionally for one order id. */
    calls(operationId: string, orderId?: string) {
      return requests.filter((r) => r.operationId === operationId && (orderId === undefined || r.params.orderId === orderId || (Array.isArray(r.body?.orderIds) && r.body.orderIds.map(String).includes(orderId))));
    },
    get maxInFlight() {
      return maxInFlight;
    },
    resetMaxInFlight() {
      maxInFlight = inFlight;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
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
