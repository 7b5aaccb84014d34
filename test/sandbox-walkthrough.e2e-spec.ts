import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { eventually } from './support/fake-http-peer';
import { authorize, execute, fillParameter, openOperation, pickExample, replaceBody, tryItOut, type ShownAnswer } from './support/swagger-ui-page';
import { startSandboxService, type SandboxService } from './support/sandbox-service';

/**
 * The README's walkthrough ("Try it in Swagger UI: the sandbox"), done in Chromium as a person does it: the built
 * service started as `npm start` starts it (`node --env-file=sandbox.env dist/main.js`, nothing else configured
 * but a fresh database, ports and the data directory), the keys read from the data directory, every step a click
 * on "Try it out" and "Execute" in Swagger UI. Each answer shown is checked, and what the sandbox peers recorded.
 */

const ARTIFACTS = resolve('test-artifacts');
const MARKET_ORDER = '46830651';
const CAMPAIGN = '21683701';

describe('the README walkthrough in Swagger UI (sandbox)', () => {
  let service: SandboxService;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    service = await startSandboxService('walkthrough');
    ({ base, dataDir } = service);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(30_000);
    mkdirSync(ARTIFACTS, { recursive: true });
    rmSync(join(ARTIFACTS, 'sandbox-walkthrough-failure.png'), { force: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  }, 60_000);

  /** What the sandbox peers received, newest first, as the admin API lists it (the walkthrough shows it in Swagger UI too). */
  const recorded = async (peer?: string): Promise<any[]> => {
    const key = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
    const res = await fetch(`${base}/admin/sandbox/requests?limit=200${peer ? `&peer=${peer}` : ''}`, { headers: { 'X-Api-Key': key } });
    return ((await res.json()) as { items: any[] }).items;
  };
  const json = (answer: ShownAnswer) => JSON.parse(answer.body);

  it('follows the walkthrough: a Market order travels to IMSHOP and back, then IMSHOP fails three times and the push is retried', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      // 0. Open /docs; Authorize with the two keys from the data directory.
      const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
      const imshopKey = readFileSync(join(dataDir, 'imshop-webhook-key'), 'utf8').trim();
      expect((await page.goto(`${base}/docs`))?.status()).toBe(200);
      await page.locator('.swagger-ui .info .title').filter({ hasText: 'order-sync' }).waitFor({ timeout: 20_000 });
      await authorize(page, { 'admin-key': adminKey, 'imshop-key': imshopKey });

      // 1. POST /market/notification, example ORDER_CREATED.
      const market = await openOperation(page, 'post', '/market/notification');
      await tryItOut(market);
      const created = await pickExample(market, 'ORDER_CREATED');
      expect(created).toMatchObject({ notificationType: 'ORDER_CREATED', orderId: Number(MARKET_ORDER), campaignId: Number(CAMPAIGN) });
      const createdAnswer = await execute(market);
      expect(createdAnswer.status).toBe(200);
      expect(json(createdAnswer)).toEqual({ version: expect.any(String), name: 'order-sync', time: expect.any(String) });

      // 2. Same operation, example ORDER_STATUS_UPDATED (PROCESSING/STARTED).
      const started = await pickExample(market, 'ORDER_STATUS_UPDATED');
      expect(started).toMatchObject({ status: 'PROCESSING', substatus: 'STARTED', orderId: Number(MARKET_ORDER) });
      expect((await execute(market)).status).toBe(200);
      await market.screenshot({ path: join(ARTIFACTS, 'sandbox-1-market.png') });

      // 3. GET /admin/orders with externalId 46830651: the order, PROCESSING. Then GET /admin/orders/{id}.
      const list = await openOperation(page, 'get', '/admin/orders');
      await tryItOut(list);
      await fillParameter(list, 'externalId', MARKET_ORDER);
      const listed = await execute(list);
      expect(listed.status).toBe(200);
      expect(listed.curl).toContain(`X-Api-Key: ${adminKey}`);
      const [order] = json(listed).items;
      expect(order).toMatchObject({ marketOrderId: MARKET_ORDER, marketCampaignId: CAMPAIGN, status: 'PROCESSING' });

      // The automation's calls happen after the answers, on the delivery worker: the ticket needs details and buyer first.
      await eventually(async () => (await recorded('imshop')).some((r) => r.path === '/tickets'), 30_000);
      const one = await openOperation(page, 'get', '/admin/orders/{id}');
      await tryItOut(one);
      await fillParameter(one, 'id', order.id);
      const shown = json(await execute(one));
      expect(shown.history.map((h: any) => [h.source, h.outcome, h.toStatus])).toEqual(
        expect.arrayContaining([
          ['market', 'applied', 'NEW'],
          ['market', 'applied', 'PROCESSING'],
        ]),
      );
      expect(shown.omsOrderNumber).toBe(`YM-${MARKET_ORDER}`);
      expect(shown.marketDetails).toMatchObject({ businessId: '9876543', items: [expect.objectContaining({ offerId: 'SKU-12345', count: 2 })] });
      expect(shown.imshopTickets).toEqual([expect.objectContaining({ type: 'prepare', imshopTicketId: expect.stringMatching(/^rsp-sbx-\d+$/) })]);
      const ticketId = shown.imshopTickets[0].imshopTicketId as string;
      await one.screenshot({ path: join(ARTIFACTS, 'sandbox-2-order.png') });

      // 4. GET /admin/sandbox/requests: the prepare ticket at the sandbox IMSHOP, details and buyer from the sandbox Market.
      const requests = await openOperation(page, 'get', '/admin/sandbox/requests');
      await tryItOut(requests);
      await fillParameter(requests, 'peer', '');
      const seen = json(await execute(requests)).items as any[];
      const ticketRequest = seen.find((r) => r.peer === 'imshop' && r.path === '/tickets');
      expect(ticketRequest).toMatchObject({
        method: 'POST',
        headers: { authorization: 'Bearer [masked]' },
        body: { type: 'prepare', orderId: `YM-${MARKET_ORDER}`, storeId: '1456', buyer: { name: 'Пётр Иванов', phone: '+79990001122' } },
        answer: { status: 200, body: { success: true, status: 'created', ticketId } },
      });
      expect(seen.filter((r) => r.peer === 'market').map((r) => `${r.method} ${r.path} ${r.answer.status}`)).toEqual(
        expect.arrayContaining([`POST /v1/businesses/9876543/orders 200`, `GET /v2/campaigns/${CAMPAIGN}/orders/${MARKET_ORDER}/buyer 200`]),
      );
      expect(JSON.stringify(seen)).not.toContain(imshopKey);
      await requests.screenshot({ path: join(ARTIFACTS, 'sandbox-3-requests.png') });

      // 5. POST /imshop/tickets/status: the ticket's done, with the body the README gives, the IMSHOP key from Authorize.
      const webhook = await openOperation(page, 'post', '/imshop/tickets/status');
      await tryItOut(webhook);
      await pickExample(webhook, 'seed');
      await replaceBody(webhook, { ticketId, orderId: `YM-${MARKET_ORDER}`, storeId: '1456', status: 'done' });
      const done = await execute(webhook);
      expect(done.status).toBe(200);
      expect(json(done)).toEqual({ success: true });
      expect(done.curl).toContain(`Authorization: Bearer ${imshopKey}`);

      // 6. The order is READY_TO_SHIP, and the sandbox Market got PROCESSING/READY_TO_SHIP.
      const again = json(await execute(one));
      expect(again.status).toBe('READY_TO_SHIP');
      expect(again.history.at(-1)).toMatchObject({ source: 'imshop_ticket', externalCode: 'done', outcome: 'applied', toStatus: 'READY_TO_SHIP' });
      await eventually(async () => (await recorded('market')).some((r) => r.method === 'PUT'), 30_000);
      await fillParameter(requests, 'peer', 'market');
      const toMarket = json(await execute(requests)).items as any[];
      expect(toMarket[0]).toMatchObject({
        peer: 'market',
        method: 'PUT',
        path: `/v2/campaigns/${CAMPAIGN}/orders/${MARKET_ORDER}/status`,
        headers: { 'api-key': '[masked]' },
        body: { order: { status: 'PROCESSING', substatus: 'READY_TO_SHIP' } },
        answer: { status: 200 },
      });
      await requests.screenshot({ path: join(ARTIFACTS, 'sandbox-4-market-push.png') });

      // 7. POST /orders/status (the retailer's OMS), its example: a status push arrives at the sandbox IMSHOP.
      const oms = await openOperation(page, 'post', '/orders/status');
      await tryItOut(oms);
      await fillParameter(oms, 'Idempotency-Key', '');
      const omsAnswer = await execute(oms);
      expect(omsAnswer.status).toBe(200);
      const omsBody = JSON.parse(await oms.locator('.opblock-section-request-body textarea.body-param__text').inputValue());
      expect(json(omsAnswer)).toMatchObject({ success: true, internalId: omsBody.id, newStatus: omsBody.code });
      await eventually(async () => (await recorded('imshop')).some((r) => r.path === '/statuses'), 30_000);
      await fillParameter(requests, 'peer', 'imshop');
      const pushed = (json(await execute(requests)).items as any[]).find((r) => r.path === '/statuses');
      expect(pushed).toMatchObject({
        method: 'POST',
        body: { id: omsBody.id, code: omsBody.code },
        answer: { status: 200, body: { success: true, internalId: omsBody.id, newStatus: omsBody.code } },
      });

      // 8. POST /admin/sandbox/faults, example imshopDown (503 three times); the OMS status once more; watch the delivery.
      const faults = await openOperation(page, 'post', '/admin/sandbox/faults');
      await tryItOut(faults);
      expect(await pickExample(faults, 'imshopDown')).toEqual({ peer: 'imshop', count: 3, status: 503 });
      const fault = await execute(faults);
      expect(fault.status).toBe(200);
      expect(json(fault)).toMatchObject({ peer: 'imshop', remaining: 3, status: 503 });
      expect((await execute(oms)).status).toBe(200);
      const deliveries = await openOperation(page, 'get', '/admin/deliveries');
      await tryItOut(deliveries);
      await fillParameter(deliveries, 'state', '');
      await fillParameter(deliveries, 'target', 'imshop');
      await fillParameter(deliveries, 'orderId', '');
      const latest = await eventually(
        async () => {
          const items = json(await execute(deliveries)).items as any[];
          const newest = items[0];
          return newest && newest.attempts >= 4 && newest.state === 'sent' ? newest : null;
        },
        60_000,
        1000,
      );
      const delivery = await openOperation(page, 'get', '/admin/deliveries/{id}');
      await tryItOut(delivery);
      await fillParameter(delivery, 'id', String(latest.id));
      const attempts = json(await execute(delivery)).attemptLog as any[];
      expect(attempts.map((a) => a.statusCode)).toEqual([503, 503, 503, 200]);
      await delivery.screenshot({ path: join(ARTIFACTS, 'sandbox-5-retries.png') });
      const statuses = (await recorded('imshop'))
        .filter((r) => r.path === '/statuses')
        .slice(0, 4)
        .reverse();
      expect(statuses.map((r) => [r.answer.status, r.fault])).toEqual([
        [503, 'HTTP 503'],
        [503, 'HTTP 503'],
        [503, 'HTTP 503'],
        [200, null],
      ]);

      expect(pageErrors).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, 'sandbox-walkthrough.png'), fullPage: true });
    } catch (error) {
      await page.screenshot({ path: join(ARTIFACTS, 'sandbox-walkthrough-failure.png'), fullPage: true }).catch(() => undefined);
      throw error;
    }
  }, 240_000);

  it('sent every request of the walkthrough through the validating proxy, and /docs-json placed every answer', () => {
    // a violation would have failed the test it happened in (contract-setup.ts)
    expect(service.answers.counts.placed).toBeGreaterThan(10);
  });
});
