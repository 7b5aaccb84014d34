import type { INestApplication } from '@nestjs/common';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import request from 'supertest';
import { servedByWorker } from '../../src/bootstrap';
import type { AppConfig } from '../../src/config/app-config';
import { buildApiDocument } from '../../src/docs/api-document';
import { MARKET_PATH_PREFIX } from '../../src/market/market-answer';
import { reportContractViolation } from './contract-violations';
import { partnerApi, partnerApiRequestProblems } from './fake-market-api';
import { OpenApiContract, type MatchedOperation, type OpenApiDocument } from './openapi-contract';

/** Market's official notification OpenAPI description, copied unchanged (see its SOURCE.md). */
export const NOTIFICATION_API_ENTRY = join(process.cwd(), 'test', 'fixtures', 'yandex-market-notification-api', 'openapi.yaml');

let notificationContract: Promise<OpenApiContract> | undefined;

export function notificationApi(): Promise<OpenApiContract> {
  notificationContract ??= OpenApiContract.fromFile(NOTIFICATION_API_ENTRY);
  return notificationContract;
}

/** Where the sandbox stands in for Market's partner API (the app's MARKET_API_URL in the sandbox). */
const SANDBOX_MARKET_PREFIX = '/sandbox/market';

interface Route {
  method: string;
  pattern: RegExp;
  label: string;
}

/** Every route the app's controllers declare (Nest's own metadata), so an undocumented one can be told from a 404. */
export function controllerRoutes(app: INestApplication): Route[] {
  const routes: Route[] = [];
  const asList = (value: unknown): string[] => (Array.isArray(value) ? value : [value ?? '']).map(String);
  for (const module of app.get(ModulesContainer, { strict: false }).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata('method', handler) === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata('method', handler) as number].toLowerCase();
        for (const base of asList(Reflect.getMetadata('path', controller))) {
          for (const path of asList(Reflect.getMetadata('path', handler))) {
            const full = `/${[base, path].map((part) => part.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
            const pattern = new RegExp(`^${full.replace(/:[A-Za-z0-9_]+/g, '[^/]+')}/?$`);
            routes.push({ method, pattern, label: `${method.toUpperCase()} ${full} (${controller.name}.${name})` });
          }
        }
      }
    }
  }
  return routes;
}

export interface AnswerCheck {
  /** The document the answers are checked against. */
  contract: OpenApiContract;
  /** Answers checked against an operation of the document, and answers outside every operation (Swagger UI, 404s). */
  counts: { placed: number; outside: number };
}

/**
 * Checks every answer of the app against its own /docs-json, as a validating proxy would: the operation, the
 * status and the body (closed: a field the document does not declare is a violation), that a request let in
 * carried a credential one of the operation's security schemes describes, and that a route the controllers serve
 * is in the document at all. Answers to Market (under /market) are checked against Market's notification spec
 * too, and the requests the app makes to the sandbox's Market against the partner API spec. Found problems go to
 * contract-violations.ts and fail the test they happened in.
 */
export async function checkAnswers(app: INestApplication, config: AppConfig): Promise<AnswerCheck> {
  const served = (path: string) => config.role !== 'worker' || servedByWorker(path);
  // A worker serves no /docs-json: its answers are checked against the api document, on the paths it serves.
  const fetched = await request(app.getHttpServer()).get('/docs-json');
  const document: OpenApiDocument = fetched.status === 200 ? fetched.body : (buildApiDocument(app, config) as unknown as OpenApiDocument);
  if (fetched.status !== 200 && config.role !== 'worker') throw new Error(`GET /docs-json answered ${fetched.status}`);
  document.paths = Object.fromEntries(Object.entries(document.paths).filter(([template]) => served(template.replace(/\{[^}]+\}/g, 'x'))));
  const contract = OpenApiContract.fromDocument(document);
  const routes = controllerRoutes(app).filter((route) => served(route.label.split(' ')[1]));
  const market = await notificationApi();
  const partner = config.sandboxPeers.market ? await partnerApi() : undefined;
  const errorSchemas = errorSchemaPointers(contract);
  const counts = { placed: 0, outside: 0 };

  const check = (req: IncomingMessage & { body?: unknown }, url: string, status: number, contentType: string | undefined, text: string) => {
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const path = url.split('?')[0];
    const answer = { status, contentType, text: req.method === 'HEAD' ? '' : text };
    const body = req.body === undefined || Buffer.isBuffer(req.body) ? parseJson(req.body) : req.body;
    const asked = { method, url, headers: req.headers, body };
    const report = (problem: string) => reportContractViolation(`${method} ${url} → ${status}: ${problem}`);
    const matched = contract.match(method, url);
    if (matched) {
      counts.placed++;
      if (req.method !== 'HEAD') contract.answerProblems(matched, answer, { closed: true }).forEach(report);
      if (status < 300) contract.credentialProblems(matched, asked).forEach(report);
    } else {
      counts.outside++;
      const route = routes.find((candidate) => candidate.method === method.toLowerCase() && candidate.pattern.test(path));
      if (route) report(`${route.label} is served but /docs-json has no such operation`);
      else if (status >= 400 && mediaType(contentType) === 'application/json' && errorSchemas.length) {
        // An unknown path: the framework's 404 (Market's 400 under /market), in one of the document's error shapes.
        const parsed = parseJson(text);
        if (errorSchemas.every((pointer) => contract.validate(pointer, parsed, { closed: true }).length > 0)) report(`the error body ${text.slice(0, 200)} matches none of the document's error schemas`);
      }
    }
    // 403 answers a caller outside MARKET_ALLOWED_CIDRS, which is not Market: its spec does not apply.
    if ((path === MARKET_PATH_PREFIX || path.startsWith(`${MARKET_PATH_PREFIX}/`)) && method === 'POST' && status !== 403) {
      const operation = market.match('POST', '/notification') as MatchedOperation;
      market.answerProblems(operation, answer, { closed: true }).forEach((problem) => report(`Market's notification spec: ${problem}`));
    }
    if (partner && path.startsWith(`${SANDBOX_MARKET_PREFIX}/`)) {
      const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : req.body === undefined ? '' : JSON.stringify(req.body);
      partnerApiRequestProblems(partner, { method, url: url.slice(SANDBOX_MARKET_PREFIX.length), headers: req.headers, raw }, undefined).forEach((problem) =>
        report(`the app's request to the sandbox Market leaves the partner API spec: ${problem}`),
      );
    }
  };

  const server = app.getHttpServer() as Server;
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.write = ((...args: unknown[]) => (keep(args[0], args[1]), write(...args))) as typeof res.write;
    res.end = ((...args: unknown[]) => (keep(args[0], args[1]), end(...args))) as typeof res.end;
    res.once('finish', () => {
      try {
        check(req, url, res.statusCode, res.getHeader('content-type') as string | undefined, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        reportContractViolation(`${req.method} ${url}: the check itself failed: ${(error as Error).stack}`);
      }
    });
  });
  return { contract, counts };
}

/** The schemas the document gives its error answers (4xx and 5xx), each once. */
function errorSchemaPointers(contract: OpenApiContract): string[] {
  const pointers = new Set<string>();
  for (const [template, item] of Object.entries(contract.document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, { responses?: Record<string, unknown> }>)) {
      for (const status of Object.keys(operation?.responses ?? {})) {
        if (!/^[45]/.test(status)) continue;
        const { node, pointer } = contract.locate<unknown>(['paths', template, method, 'responses', status, 'content', 'application/json', 'schema']);
        if (node) pointers.add(pointer);
      }
    }
  }
  return [...pointers];
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function parseJson(text: unknown): unknown {
  if (text === undefined) return undefined;
  const raw = Buffer.isBuffer(text) ? text.toString('utf8') : String(text);
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
