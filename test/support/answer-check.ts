import type { INestApplication } from '@nestjs/common';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import request from 'supertest';
import { servedByWorker } from '../../src/bootstrap';
import type { AppConfig } from '../../src/config/app-config';
import { buildApiDocument } from '../../src/docs/api-document';
import { MARKET_PATH_PREFIX } from '../../src/market/market-answer';
import { reportContractViolation } from './contract-violations';
import { serveLocally } from './fake-http-peer';
import { partnerApi, partnerApiRequestProblems } from './fake-market-api';
import { OpenApiContract, type CheckedAnswer, type MatchedOperation, type OpenApiDocument } from './openapi-contract';

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

/**
 * Every route the app's controllers declare (Nest's own metadata), so an undocumented one can be told from a 404.
 * A controller or route kept out of the document on purpose (@ApiExcludeController, @ApiExcludeEndpoint: pages
 * for a browser, say) is not one: its answers are outside the API, like Swagger UI's.
 */
export function controllerRoutes(app: INestApplication): Route[] {
  const routes: Route[] = [];
  const asList = (value: unknown): string[] => (Array.isArray(value) ? value : [value ?? '']).map(String);
  for (const module of app.get(ModulesContainer, { strict: false }).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller || (Reflect.getMetadata('swagger/apiExcludeController', controller) as boolean[] | undefined)?.[0]) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata('method', handler) === undefined) continue;
        if ((Reflect.getMetadata('swagger/apiExcludeEndpoint', handler) as { disable?: boolean } | undefined)?.disable) continue;
        const method = RequestMethod[Reflect.getMetadata('method', handler) as number].toLowerCase();
        for (const base of asList(Reflect.getMetadata('path', controller))) {
          for (const path of asList(Reflect.getMetadata('path', handler))) {
            const full = `/${[base, path]
              .map((part) => part.replace(/^\/+|\/+$/g, ''))
              .filter(Boolean)
              .join('/')}`;
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
  /** Checks one answer; what leaves the documents goes to contract-violations.ts. */
  check(asked: AskedRequest, answer: CheckedAnswer): void;
}

export interface AskedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The request body: parsed JSON, raw bytes or text (undefined: none). */
  body?: unknown;
}

/**
 * The checks of every answer against a document (`document`, the app's /docs-json): the operation, the status
 * and the body (closed: a field the document does not declare is a violation), and that a request let in carried
 * a credential one of the operation's security requirements describes. `routes`: the routes the app's controllers
 * serve, when known (in-process), so that one missing from the document is told from an unknown path. Answers
 * to Market (under /market) are checked against Market's notification spec too, and requests to the sandbox's
 * Market against the partner API spec.
 */
export async function answerChecker(document: OpenApiDocument, routes: Route[] = []): Promise<AnswerCheck> {
  const contract = OpenApiContract.fromDocument(document);
  const market = await notificationApi();
  const partner = Object.keys(document.paths).some((path) => path.startsWith(`${SANDBOX_MARKET_PREFIX}/`)) ? await partnerApi() : undefined;
  const errorSchemas = errorSchemaPointers(contract);
  const counts = { placed: 0, outside: 0 };

  const check = (asked: AskedRequest, given: CheckedAnswer) => {
    const method = asked.method === 'HEAD' ? 'GET' : asked.method;
    const { url } = asked;
    const path = url.split('?')[0];
    const answer = asked.method === 'HEAD' ? { ...given, text: '' } : given;
    const body = asked.body === undefined || Buffer.isBuffer(asked.body) || typeof asked.body === 'string' ? parseJson(asked.body) : asked.body;
    const report = (problem: string) => reportContractViolation(`${method} ${url} → ${answer.status}: ${problem}`);
    const matched = contract.match(method, url);
    if (matched) {
      counts.placed++;
      if (asked.method !== 'HEAD') contract.answerProblems(matched, answer, { closed: true }).forEach(report);
      if (answer.status < 300) contract.credentialProblems(matched, { method, url, headers: asked.headers, body }).forEach(report);
    } else {
      counts.outside++;
      const route = routes.find((candidate) => candidate.method === method.toLowerCase() && candidate.pattern.test(path));
      if (route) report(`${route.label} is served but /docs-json has no such operation`);
      else if (answer.status >= 400 && mediaType(answer.contentType) === 'application/json' && errorSchemas.length) {
        // An unknown path: the framework's 404 (Market's 400 under /market), in one of the document's error shapes.
        const parsed = parseJson(answer.text);
        if (errorSchemas.every((pointer) => contract.validate(pointer, parsed, { closed: true }).length > 0))
          report(`the error body ${answer.text.slice(0, 200)} matches none of the document's error schemas`);
      }
    }
    // 403 answers a caller outside MARKET_ALLOWED_CIDRS, which is not Market: its spec does not apply.
    if ((path === MARKET_PATH_PREFIX || path.startsWith(`${MARKET_PATH_PREFIX}/`)) && method === 'POST' && answer.status !== 403) {
      const operation = market.match('POST', '/notification') as MatchedOperation;
      market.answerProblems(operation, answer, { closed: true }).forEach((problem) => report(`Market's notification spec: ${problem}`));
    }
    if (partner && path.startsWith(`${SANDBOX_MARKET_PREFIX}/`)) {
      const raw = Buffer.isBuffer(asked.body)
        ? asked.body.toString('utf8')
        : typeof asked.body === 'string'
          ? asked.body
          : asked.body === undefined
            ? ''
            : JSON.stringify(asked.body);
      partnerApiRequestProblems(partner, { method, url: url.slice(SANDBOX_MARKET_PREFIX.length), headers: asked.headers, raw }, undefined).forEach((problem) =>
        report(`the app's request to the sandbox Market leaves the partner API spec: ${problem}`),
      );
    }
  };
  return {
    contract,
    counts,
    check(asked, answer) {
      try {
        check(asked, answer);
      } catch (error) {
        reportContractViolation(`${asked.method} ${asked.url}: the check itself failed: ${(error as Error).stack}`);
      }
    },
  };
}

/**
 * Checks every answer of an app built in this process against its own /docs-json, as a validating proxy would:
 * the app's HTTP server is hooked, so whoever asks (supertest, fetch, Chromium, the sandbox calling itself) gets
 * an answer that is checked (see answerChecker). A worker serves no /docs-json: its answers are checked against
 * the api document, on the paths it serves.
 */
export async function checkAnswers(app: INestApplication, config: AppConfig): Promise<AnswerCheck> {
  const served = (path: string) => config.role !== 'worker' || servedByWorker(path);
  const fetched = await request(app.getHttpServer()).get('/docs-json');
  if (fetched.status !== 200 && config.role !== 'worker') throw new Error(`GET /docs-json answered ${fetched.status}`);
  const document: OpenApiDocument = fetched.status === 200 ? fetched.body : (buildApiDocument(app, config) as unknown as OpenApiDocument);
  document.paths = Object.fromEntries(Object.entries(document.paths).filter(([template]) => served(template.replace(/\{[^}]+\}/g, 'x'))));
  const checker = await answerChecker(
    document,
    controllerRoutes(app).filter((route) => served(route.label.split(' ')[1])),
  );
  const server = app.getHttpServer() as Server;
  server.prependListener('request', (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => {
    const url = req.url ?? '/';
    const text = captureBody(res);
    res.once('finish', () =>
      checker.check(
        { method: req.method ?? 'GET', url, headers: req.headers, body: req.body },
        { status: res.statusCode, contentType: res.getHeader('content-type') as string | undefined, text: text() },
      ),
    );
  });
  return checker;
}

/**
 * A validating proxy in front of an app that runs as its own process (`node dist/main.js`): what goes through it
 * is forwarded unchanged, and each answer is checked against the /docs-json of the app behind it. Give a browser
 * or a client the proxy's URL.
 */
export async function startValidatingProxy(target: { host?: string; port: number }): Promise<{ url: string; check: AnswerCheck; close(): Promise<void> }> {
  const host = target.host ?? '127.0.0.1';
  const document = (await (await fetch(`http://${host}:${target.port}/docs-json`)).json()) as OpenApiDocument;
  const checker = await answerChecker(document);
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const upstream = httpRequest({ host, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
        const received: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => received.push(chunk));
        answer.on('end', () => {
          const text = Buffer.concat(received);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(text);
          checker.check(
            { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: body.length ? body : undefined },
            { status: answer.statusCode ?? 0, contentType: answer.headers['content-type'], text: text.toString('utf8') },
          );
        });
      });
      upstream.on('error', (error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`validating proxy: ${error.message}`);
      });
      upstream.end(body);
    });
  });
  const served = await serveLocally(proxy);
  return { url: served.url, check: checker, close: served.close };
}

/** Keeps what is written to a response, for the check once it is sent. */
function captureBody(res: ServerResponse): () => string {
  const chunks: Buffer[] = [];
  const keep = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((...args: unknown[]) => (keep(args[0], args[1]), write(...args))) as typeof res.write;
  res.end = ((...args: unknown[]) => (keep(args[0], args[1]), end(...args))) as typeof res.end;
  return () => Buffer.concat(chunks).toString('utf8');
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
  if (Buffer.isBuffer(text) && text.length === 0) return undefined;
  const raw = Buffer.isBuffer(text) ? text.toString('utf8') : String(text);
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
