import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Locator } from 'playwright-core';
import { authorize, execute, openOperation, pickExample, tryItOut } from './support/swagger-ui-page';
import { launchBrowser } from './support/browser';
import { startFakeImshop, type FakeImshop } from './support/fake-imshop';
import { startFakeMarketApi, type FakeMarketApi } from './support/fake-market-api';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

/**
 * Swagger UI checked the way a person uses it: headless Chromium (the one `npm ci` installs, driven by
 * playwright-core; see support/browser.ts) opens /docs on a real HTTP server, authorises with the admin key
 * and the IMSHOP key, and sends the documented examples with "Try it out" → "Execute".
 *
 * The second test reads /docs-json and sends every documented example request, so "every endpoint in
 * Swagger has a working example" is checked for endpoints added later too.
 */

const IMSHOP_KEY = 'imshop-swagger-key-123';
const ARTIFACTS = resolve('test-artifacts');
const SCREENSHOT = join(ARTIFACTS, 'swagger-ui.png');

/** The order the documented IMSHOP ticket examples refer to (`orderId: "a7878969"`). */
const TICKET_EXAMPLE_ORDER = 'a7878969';

describe('Swagger UI (/docs) in a real browser', () => {
  let t: TestApp;
  let fake: FakeImshop;
  let market: FakeMarketApi;
  let baseUrl: string;

  beforeAll(async () => {
    fake = await startFakeImshop();
    // Market's partner API, for the examples that call it (POST /admin/market/reconcile)
    market = await startFakeMarketApi('swagger-market-api-key-0123');
    t = await startTestApp({
      MARKET_API_URL: market.url,
      MARKET_API_KEY: 'swagger-market-api-key-0123',
      MARKET_ALLOWED_CIDRS: '*',
      IMSHOP_API_KEY: IMSHOP_KEY,
      IMSHOP_TICKETS_URL: `${fake.url}/tickets`,
      IMSHOP_STATUS_URL: `${fake.url}/statuses`,
      DELIVERY_BACKOFF_MS: '60000',
    });
    baseUrl = await t.listen();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await market?.close();
  });

  const orderByMarketId = async (id: string) =>
    (await t.db.query('SELECT * FROM orders WHERE market_order_id = $1', [id]))[0] as Record<string, any> | undefined;
  const orderByOms = async (number: string) =>
    (await t.db.query('SELECT * FROM orders WHERE oms_order_number = $1', [number]))[0] as Record<string, any> | undefined;

  it('authorises, and sends a Market ORDER_STATUS_UPDATED and an IMSHOP ticket example with "Try it out"', async () => {
    // The ticket example names an order the OMS knows; the Market example creates its own order.
    if (!(await orderByOms(TICKET_EXAMPLE_ORDER))) {
      await t.db.query("INSERT INTO orders (oms_order_number, status, version) VALUES ($1, 'PROCESSING', 1)", [TICKET_EXAMPLE_ORDER]);
    }
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(30_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    mkdirSync(ARTIFACTS, { recursive: true });
    rmSync(join(ARTIFACTS, 'swagger-ui-failure.png'), { force: true });
    try {
      const docs = await page.goto(`${baseUrl}/docs`);
      expect(docs?.status()).toBe(200);
      await page.locator('.swagger-ui .info .title').filter({ hasText: 'order-sync' }).waitFor({ timeout: 20_000 });

      // The Market tag's description is Markdown: its `<host>` placeholder must survive the rendering.
      const marketTag = (await page.locator('.opblock-tag[data-tag="Yandex Market"]').innerText()).replace(/\s+/g, ' ');
      expect(marketTag).toContain('register https://<host>/market in the Market cabinet');

      await authorize(page, { 'admin-key': ADMIN_KEY, 'imshop-key': IMSHOP_KEY });

      // (a) Yandex Market: POST /market/notification, example ORDER_STATUS_UPDATED
      const market = await openOperation(page, 'post', '/market/notification');
      const marketBody = await tryExample(market, 'ORDER_STATUS_UPDATED');
      expect(marketBody.notificationType).toBe('ORDER_STATUS_UPDATED');
      const marketAnswer = await execute(market);
      expect(marketAnswer.status).toBe(200);
      expect(JSON.parse(marketAnswer.body)).toEqual({ version: expect.any(String), name: 'order-sync', time: expect.any(String) });
      const marketOrder = await orderByMarketId(String(marketBody.orderId));
      expect(marketOrder).toBeDefined();
      expect(marketOrder!.market_campaign_id).toBe(String(marketBody.campaignId));
      expect(marketOrder!.source_status).toBe(marketBody.status);
      const marketEvent = (
        await t.db.query("SELECT outcome FROM market_events WHERE notification_type = 'ORDER_STATUS_UPDATED' AND order_id = $1", [String(marketBody.orderId)])
      )[0];
      expect(marketEvent).toBeDefined();
      await market.screenshot({ path: join(ARTIFACTS, 'swagger-ui-market.png') });

      // (b) IMSHOP: POST /imshop/tickets/status, the seed example (prepare ticket done), with the Bearer key
      const ticket = await openOperation(page, 'post', '/imshop/tickets/status');
      const ticketBody = await tryExample(ticket, 'seed');
      expect(ticketBody).toMatchObject({ orderId: TICKET_EXAMPLE_ORDER, status: 'done' });
      const ticketAnswer = await execute(ticket);
      expect(ticketAnswer.status).toBe(200);
      expect(JSON.parse(ticketAnswer.body)).toEqual({ success: true });
      // Swagger UI sent the IMSHOP key from the Authorize dialog (the example body carries none).
      expect(ticketAnswer.curl).toContain(`Authorization: Bearer ${IMSHOP_KEY}`);
      const ticketOrder = await orderByOms(TICKET_EXAMPLE_ORDER);
      expect(ticketOrder!.status).toBe('READY_TO_SHIP');
      const history = await t.db.query('SELECT source, external_code, outcome FROM order_history WHERE order_id = $1 ORDER BY id', [ticketOrder!.id]);
      expect(history).toContainEqual({ source: 'imshop_ticket', external_code: 'done', outcome: 'applied' });
      await ticket.screenshot({ path: join(ARTIFACTS, 'swagger-ui-imshop-ticket.png') });

      // An admin write with the admin key from the dialog: a mapping row from a named example.
      const mappings = await openOperation(page, 'post', '/admin/status-mappings');
      const mappingBody = await tryExample(mappings, 'inboundOms');
      const created = await execute(mappings);
      expect(created.status).toBe(201);
      const mapping = JSON.parse(created.body);
      expect(mapping).toMatchObject({
        direction: 'inbound',
        system: mappingBody.source,
        externalCode: mappingBody.externalCode,
        internalStatus: mappingBody.internalStatus,
      });
      expect((await t.db.query("SELECT actor FROM status_mapping_audit WHERE mapping_id = $1 AND action = 'create'", [mapping.id])).length).toBe(1);
      // leave the table as the other test expects it (it sends the same example)
      await t.db.query('DELETE FROM status_mappings WHERE id = $1', [mapping.id]);

      // An admin endpoint with the admin key from the dialog: the order the Market example created.
      const adminOrder = await openOperation(page, 'get', '/admin/orders/{id}');
      await adminOrder.locator('button.try-out__btn').click();
      await adminOrder.locator('tr[data-param-name="id"] input').fill(marketOrder!.id);
      const shown = await execute(adminOrder);
      expect(shown.curl).toContain(`X-Api-Key: ${ADMIN_KEY}`);
      expect(shown.status).toBe(200);
      expect(JSON.parse(shown.body)).toMatchObject({ id: marketOrder!.id, marketOrderId: String(marketBody.orderId) });

      expect(pageErrors).toEqual([]);
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } catch (error) {
      await page.screenshot({ path: join(ARTIFACTS, 'swagger-ui-failure.png'), fullPage: true }).catch(() => undefined);
      throw error;
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('has an example for every request body, and every documented example request works', async () => {
    const doc = (await (await fetch(`${baseUrl}/docs-json`)).json()) as OpenApiDocument;
    const operations = listOperations(doc);
    expect(operations.length).toBeGreaterThan(10);

    // 1. Every request body is documented with an example.
    const withoutExample = operations
      .filter((op) => op.operation.requestBody)
      .flatMap((op) =>
        Object.entries(op.operation.requestBody!.content ?? {})
          .filter(([, media]) => !mediaHasExample(doc, media))
          .map(([type]) => `${op.method.toUpperCase()} ${op.path} (${type})`),
      );
    expect(withoutExample).toEqual([]);

    // 2. Data the examples refer to: the IMSHOP example order, a mapping row, a delivery, an IMSHOP ticket.
    if (!(await orderByOms(TICKET_EXAMPLE_ORDER))) {
      await t.db.query("INSERT INTO orders (oms_order_number, status, version) VALUES ($1, 'PROCESSING', 1)", [TICKET_EXAMPLE_ORDER]);
    }
    const omsExample = exampleBodies(
      doc,
      operations.find((op) => op.path === '/orders/status' && op.method === 'post')!,
    )[0]?.value as { id?: string };
    if (omsExample?.id && !(await orderByOms(omsExample.id))) {
      await t.db.query("INSERT INTO orders (oms_order_number, status, version) VALUES ($1, 'PROCESSING', 1)", [omsExample.id]);
    }
    // The reconcile examples name a campaign: it needs a business id in its automation settings.
    const reconcileOp = operations.find((op) => op.path === '/admin/market/reconcile' && op.method === 'post');
    const reconcileCampaign = reconcileOp && (exampleBodies(doc, reconcileOp)[0]?.value as { campaignId?: string } | undefined)?.campaignId;
    if (reconcileCampaign) {
      await t.db.query('INSERT INTO market_automation (campaign_id, business_id, version) VALUES ($1, 675789, 1) ON CONFLICT (campaign_id) DO NOTHING', [
        reconcileCampaign,
      ]);
    }
    const order = (await orderByOms(TICKET_EXAMPLE_ORDER))!;
    // IMSHOP refuses the status pushes, so the deliveries the examples cause end dead and can be retried.
    fake.respond((req) => (req.path === '/statuses' ? { status: 400, body: { success: false, message: 'refused by the test' } } : undefined));
    const row = async (sql: string) => {
      const found = (await t.db.query(sql))[0];
      if (!found) throw new Error(`no row for: ${sql}`);
      return String(Object.values(found)[0]);
    };
    const deadDelivery = async () => {
      await expectEventually(
        () => t.db.query("SELECT id FROM deliveries WHERE state = 'dead'"),
        (rows: unknown[]) => rows.length > 0,
        15_000,
      );
      return row("SELECT id FROM deliveries WHERE state = 'dead' ORDER BY id LIMIT 1");
    };

    /** Path parameters without an example of their own take a real id from the data the examples made. */
    const fixtures: Record<string, () => Promise<string>> = {
      '/admin/orders/{id}': async () => order.id,
      '/admin/orders/{id}/status': async () => order.id,
      '/admin/status-mappings/{id}': () =>
        row("SELECT id FROM status_mappings WHERE direction = 'outbound' AND system = 'imshop' AND internal_status = 'READY_TO_SHIP'"),
      '/admin/status-mappings/{id}/audit': () =>
        row("SELECT id FROM status_mappings WHERE direction = 'outbound' AND system = 'imshop' AND internal_status = 'READY_TO_SHIP'"),
      // the row the create example added
      'DELETE /admin/status-mappings/{id}': () => row('SELECT max(id) FROM status_mappings'),
      '/admin/tickets/{id}': () => row('SELECT imshop_ticket_id FROM imshop_tickets ORDER BY created_at LIMIT 1'),
      '/admin/deliveries/{id}': deadDelivery,
      '/admin/deliveries/{id}/retry': deadDelivery,
      // the campaign of the orders the Market examples made
      '/admin/market/campaigns/{campaignId}/automation': () =>
        row('SELECT market_campaign_id FROM orders WHERE market_campaign_id IS NOT NULL ORDER BY created_at LIMIT 1'),
    };
    // Webhooks first (they make orders, tickets and deliveries), then the other writes, reads, deletes last.
    const rank = (op: Operation) => (op.method === 'delete' ? 3 : op.method === 'get' ? 2 : op.path.startsWith('/admin') ? 1 : 0);
    const ordered = [...operations].sort((a, b) => rank(a) - rank(b));
    const schemes = doc.components?.securitySchemes ?? {};
    const keys: Record<string, string> = { 'admin-key': ADMIN_KEY, 'imshop-key': IMSHOP_KEY };
    const failures: string[] = [];
    const sent: string[] = [];
    for (const op of ordered) {
      const bodies = op.operation.requestBody ? exampleBodies(doc, op) : [{ name: '', value: undefined }];
      for (const example of bodies) {
        const label = `${op.method.toUpperCase()} ${op.path}${example.name ? ` [${example.name}]` : ''}`;
        let url: string;
        try {
          url = await requestUrl(baseUrl, op, fixtures[`${op.method.toUpperCase()} ${op.path}`] ?? fixtures[op.path]);
        } catch (error) {
          failures.push(`${label}: ${(error as Error).message}`);
          continue;
        }
        const headers: Record<string, string> = { 'X-Actor': 'swagger-examples-test' };
        // the first security requirement, as Swagger UI sends it once every scheme is authorised
        for (const name of Object.keys(op.operation.security?.[0] ?? {})) {
          const scheme = schemes[name];
          if (!scheme || !keys[name]) {
            failures.push(`${label}: unknown security scheme ${name}`);
          } else if (scheme.type === 'apiKey' && scheme.in === 'header') {
            headers[scheme.name!] = keys[name];
          } else if (scheme.type === 'http' && scheme.scheme === 'bearer') {
            headers.Authorization = `Bearer ${keys[name]}`;
          } else {
            failures.push(`${label}: security scheme ${name} of an unhandled kind`);
          }
        }
        let body: string | undefined;
        if (example.value !== undefined) {
          headers['Content-Type'] = 'application/json';
          body = JSON.stringify(withImshopKey(example.value));
        }
        const res = await fetch(url, { method: op.method.toUpperCase(), headers, body });
        const text = await res.text();
        sent.push(`${label} → ${res.status}`);
        // every documented example is meant to work: 2xx (so never 4xx or 5xx)
        if (res.status < 200 || res.status >= 300) failures.push(`${label} → ${res.status} ${text.slice(0, 300)}`);
      }
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'swagger-examples.txt'), `${sent.join('\n')}\n`);
    expect(failures).toEqual([]);
    // every operation was sent at least once
    for (const op of operations) expect(sent.some((line) => line.startsWith(`${op.method.toUpperCase()} ${op.path}`))).toBe(true);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------
// Swagger UI steps

/** "Try it out", then picks the named request body example; returns the body Swagger UI will send. */
async function tryExample(block: Locator, exampleName: string): Promise<Record<string, any>> {
  await tryItOut(block);
  return pickExample(block, exampleName);
}

async function expectEventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await read();
      if (done(value)) return value;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------------
// OpenAPI document

interface OpenApiSchema {
  $ref?: string;
  type?: string;
  example?: unknown;
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  oneOf?: OpenApiSchema[];
  anyOf?: OpenApiSchema[];
  allOf?: OpenApiSchema[];
  enum?: unknown[];
  default?: unknown;
}
interface OpenApiMedia {
  schema?: OpenApiSchema;
  example?: unknown;
  examples?: Record<string, { summary?: string; value?: unknown }>;
}
interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  example?: unknown;
  schema?: OpenApiSchema;
}
interface OpenApiOperation {
  operationId?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, OpenApiMedia> };
  security?: Record<string, string[]>[];
}
interface OpenApiSecurityScheme {
  type: string;
  in?: string;
  name?: string;
  scheme?: string;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, OpenApiSchema>; securitySchemes?: Record<string, OpenApiSecurityScheme> };
}
interface Operation {
  path: string;
  method: string;
  operation: OpenApiOperation;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function listOperations(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation })),
  );
}

function deref(doc: OpenApiDocument, schema: OpenApiSchema): OpenApiSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = doc.components?.schemas?.[name];
  if (!target) throw new Error(`unresolved ${schema.$ref}`);
  return deref(doc, target);
}

/** A schema "has an example" when it carries one, or every property of it does (nested objects recursively). */
function schemaHasExample(doc: OpenApiDocument, schema: OpenApiSchema, depth = 0): boolean {
  if (depth > 10) return false;
  if (schema.example !== undefined) return true;
  const s = deref(doc, schema);
  if (s.example !== undefined) return true;
  if (s.oneOf || s.anyOf) return [...(s.oneOf ?? []), ...(s.anyOf ?? [])].every((x) => schemaHasExample(doc, x, depth + 1));
  if (s.allOf) return s.allOf.every((x) => schemaHasExample(doc, x, depth + 1));
  if (s.type === 'array' && s.items) return schemaHasExample(doc, s.items, depth + 1);
  if (s.properties) return Object.values(s.properties).every((p) => schemaHasExample(doc, p, depth + 1));
  return false;
}

function mediaHasExample(doc: OpenApiDocument, media: OpenApiMedia): boolean {
  if (media.example !== undefined) return true;
  if (media.examples && Object.values(media.examples).length > 0) return Object.values(media.examples).every((e) => e.value !== undefined);
  return media.schema !== undefined && schemaHasExample(doc, media.schema);
}

/** Builds a value from the schema's examples, as Swagger UI does for its body textarea. */
function sampleOf(doc: OpenApiDocument, schema: OpenApiSchema, depth = 0): unknown {
  if (schema.example !== undefined) return schema.example;
  const s = deref(doc, schema);
  if (s.example !== undefined) return s.example;
  if (depth > 10) return undefined;
  if (s.oneOf?.length) return sampleOf(doc, s.oneOf[0], depth + 1);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((x) => sampleOf(doc, x, depth + 1)));
  if (s.type === 'array' && s.items) return [sampleOf(doc, s.items, depth + 1)];
  if (s.properties) return Object.fromEntries(Object.entries(s.properties).map(([k, p]) => [k, sampleOf(doc, p, depth + 1)]));
  return undefined;
}

function exampleBodies(doc: OpenApiDocument, op: Operation): { name: string; value: unknown }[] {
  const media = op.operation.requestBody?.content?.['application/json'];
  if (!media) return [];
  if (media.examples && Object.keys(media.examples).length) return Object.entries(media.examples).map(([name, e]) => ({ name, value: e.value }));
  if (media.example !== undefined) return [{ name: 'example', value: media.example }];
  return [{ name: 'schema example', value: sampleOf(doc, media.schema ?? {}) }];
}

/** The one example body that carries a placeholder IMSHOP key gets the real one, as a user would type it. */
function withImshopKey(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value) && 'key' in value) return { ...(value as object), key: IMSHOP_KEY };
  return value;
}

async function requestUrl(baseUrl: string, op: Operation, fixture?: () => Promise<string>): Promise<string> {
  let path = op.path;
  const query = new URLSearchParams();
  for (const param of op.operation.parameters ?? []) {
    const example = param.example ?? param.schema?.example;
    if (param.in === 'path') {
      const value = fixture ? await fixture() : example;
      if (value === undefined) throw new Error(`path parameter ${param.name} has no example`);
      path = path.replace(`{${param.name}}`, encodeURIComponent(String(value)));
    } else if (param.in === 'query') {
      // optional filters are sent with their examples too: an example that the validation refuses is broken
      if (example === undefined && param.required) throw new Error(`required query parameter ${param.name} has no example`);
      if (example !== undefined && example !== null) query.set(param.name, String(example));
    }
  }
  const qs = query.toString();
  return `${baseUrl}${path}${qs ? `?${qs}` : ''}`;
}
