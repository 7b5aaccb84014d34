import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { startSandboxService, type SandboxService } from './support/sandbox-service';

/**
 * The README's sandbox walkthrough done in the console, in Chromium, as a person does it after `npm ci && npm start`
 * (the built service started as `npm start` starts it): sign in with the key from the data directory, play Market,
 * the IMSHOP store and the OMS from the Sandbox page, find the orders and read their journeys. Every page is checked
 * with axe-core (no serious or critical violation) in the light and the dark theme, and the journeys at a phone's
 * width; screenshots go to test-artifacts/.
 */

const ARTIFACTS = resolve('test-artifacts');
const AXE_SOURCE = readFileSync(createRequire(join(process.cwd(), 'package.json')).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe-core's serious and critical violations on the page as it is now (empty when there are none). */
async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  })) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${page.url()}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes
          .slice(0, 3)
          .map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`)
          .join(' | ')}`,
    );
}

describe('the README walkthrough in the console (sandbox, Chromium)', () => {
  let service: SandboxService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  /** Every page visited, for the dark-theme and phone passes. */
  const visited = new Set<string>();
  const axeProblems: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    service = await startSandboxService('console-walkthrough');
    base = service.base;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    mkdirSync(ARTIFACTS, { recursive: true });
    rmSync(join(ARTIFACTS, 'console-walkthrough-failure.png'), { force: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  }, 60_000);

  /** Checks the page as it is now with axe-core, and remembers it for the other passes. */
  const check = async (target = page) => {
    axeProblems.push(...(await accessibilityProblems(target)));
    visited.add(new URL(target.url()).pathname + new URL(target.url()).search);
    // One screenshot of each page as a person first sees it, named after its path.
    const name =
      new URL(target.url()).pathname
        .replace(/^\/console\/?/, '')
        .replace(/[0-9a-f-]{36}/, 'order')
        .replace(/\d+/g, 'n')
        .replace(/\W+/g, '-') || 'home';
    await target.screenshot({ path: join(ARTIFACTS, `console-page-${name}.png`) });
  };
  const nav = async (name: string) => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name }).click();
    await page.waitForLoadState('load');
  };
  const banner = () => page.locator('.banner').first();
  /** Reloads the page until `ready` holds (the delivery worker runs after the answers). */
  const until = async (ready: () => Promise<boolean>, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await ready())) {
      if (Date.now() > deadline) throw new Error(`the page never showed what was expected: ${page.url()}`);
      await page.waitForTimeout(500);
      await page.reload();
    }
  };
  const arrow = (label: string | RegExp): Locator => page.locator('.journey .arrow').filter({ has: page.locator('.label', { hasText: label }) });
  const find = async (id: string) => {
    await nav('Orders');
    await page.getByRole('searchbox', { name: 'Any id of the order' }).fill(id);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/orders\?q=/);
  };

  it('signs in, plays the peers, and shows each order’s journey: where it is and why', async () => {
    try {
      // 0. /console asks for the key; typed in and sent from the keyboard.
      expect((await page.goto(`${base}/console`))?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe('/console/sign-in');
      await check();
      const adminKey = service.key('admin-api-key');
      await expect(page.evaluate(() => document.activeElement?.getAttribute('name'))).resolves.toBe('key');
      await page.keyboard.type(adminKey);
      await page.keyboard.press('Tab');
      await page.keyboard.type('Anna');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${base}/console/orders`);
      await expect(page.locator('.who').textContent()).resolves.toContain('Signed in as Anna');
      const cookie = (await context.cookies()).find((c) => c.name === 'order_sync_console')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console', secure: false });
      expect(cookie.expires).toBeGreaterThan(Date.now() / 1000 + 3600);
      expect(await page.evaluate(() => document.cookie)).toBe('');
      await check();

      // 1-2. Market sends ORDER_CREATED, then ORDER_STATUS_UPDATED (PROCESSING/STARTED).
      await nav('Sandbox');
      await check();
      await page.getByRole('button', { name: 'Send ORDER_CREATED' }).click();
      await expect(banner().textContent()).resolves.toContain('Yandex Market sent ORDER_CREATED: order-sync answered 200.');
      await check();
      await page.getByRole('link', { name: 'Back to the sandbox' }).click();
      await page.getByRole('button', { name: 'Send ORDER_STATUS_UPDATED (PROCESSING/STARTED)' }).click();
      await expect(banner().textContent()).resolves.toContain('answered 200');

      // 3-4. Find Market order 46830651: its journey shows ORDER_CREATED, the details fetched from Market and the prepare ticket to the store.
      await find('46830651');
      await check();
      await page.getByRole('link', { name: 'Market 46830651' }).click();
      await expect(page.locator('h1').textContent()).resolves.toBe('Market order 46830651: its journey');
      await until(
        async () =>
          (await arrow('prepare ticket to the store').count()) === 1 &&
          (await arrow('prepare ticket to the store').locator('.badge').first().textContent()) === 'sent',
      );
      await expect(arrow('ORDER_CREATED').locator('.badge').first().textContent()).resolves.toBe('applied');
      await expect(arrow('ORDER_CREATED').locator('.route').textContent()).resolves.toBe('Yandex Market → order-sync');
      await expect(arrow(/^status NEW$/).count()).resolves.toBe(1);
      await expect(arrow('details request').locator('.att').first().textContent()).resolves.toMatch(/^200 · \d+ ms$/);
      await expect(arrow('details fetched from Market').count()).resolves.toBeGreaterThanOrEqual(1);
      await expect(arrow('NEW → PROCESSING').count()).resolves.toBe(1);
      const prepare = arrow('prepare ticket to the store');
      await expect(prepare.locator('.route').textContent()).resolves.toBe('order-sync → IMSHOP store tickets');
      await expect(prepare.locator('.att').textContent()).resolves.toMatch(/^200 · \d+ ms$/);
      await expect(page.locator('.order-facts').textContent()).resolves.toMatch(/prepare ticket\s*rsp-sbx-\d+/);
      // Selecting an arrow shows its body; the keyboard moves to the next one.
      const selected = page.locator('#selected-event');
      await arrow('ORDER_CREATED').click();
      await selected.locator('h3', { hasText: /^ORDER_CREATED$/ }).waitFor();
      await expect(selected.locator('pre.body').textContent()).resolves.toContain('"notificationType": "ORDER_CREATED"');
      await expect(page.evaluate(() => document.activeElement?.tagName)).resolves.toBe('H3');
      expect(new URL(page.url()).search).toMatch(/^\?event=h\d+$/);
      await arrow('ORDER_CREATED').focus();
      await page.keyboard.press('ArrowDown');
      await expect(page.evaluate(() => document.activeElement?.querySelector('.label')?.textContent)).resolves.toBe('status NEW');
      await page.keyboard.press('ArrowDown');
      await selected.locator('h3', { hasText: /^details request$/ }).waitFor();
      await expect(arrow('details request').getAttribute('aria-current')).resolves.toBe('true');
      // Without the script the link itself opens the page with the event's details.
      const withDetails = new URL(page.url());
      await page.goto(withDetails.toString());
      await expect(selected.locator('h3').textContent()).resolves.toBe('details request');
      await check();
      await page.screenshot({ path: join(ARTIFACTS, 'console-1-market-order-prepared.png'), fullPage: true });

      // 5. The store reports the ticket done (the form holds the newest ticket order-sync created).
      await nav('Sandbox');
      const ticketId = await page.getByLabel('Ticket', { exact: true }).inputValue();
      expect(ticketId).toMatch(/^rsp-sbx-\d+$/);
      await expect(page.getByLabel('Order (OMS number)').first().inputValue()).resolves.toBe('YM-46830651');
      await page.locator('select[name=status]').selectOption('done');
      await page.getByRole('button', { name: 'Send the ticket status' }).click();
      await expect(banner().textContent()).resolves.toContain(`The IMSHOP store reported done for ticket ${ticketId}: order-sync answered 200.`);
      await page.getByRole('link', { name: "See the order's journey" }).click();

      // 6. The journey: the ticket's done, the status change, and the status push to Market, answered 200.
      await until(
        async () =>
          (await arrow('status push PROCESSING/READY_TO_SHIP')
            .locator('.badge')
            .first()
            .textContent()
            .catch(() => null)) === 'sent',
      );
      await expect(arrow(`ticket ${ticketId}: done`).locator('.route').textContent()).resolves.toBe('IMSHOP store tickets → order-sync');
      await expect(arrow(`ticket ${ticketId}: done`).locator('.badge').first().textContent()).resolves.toBe('applied');
      await expect(arrow('PROCESSING → READY_TO_SHIP').count()).resolves.toBe(1);
      const push = arrow('status push PROCESSING/READY_TO_SHIP');
      await expect(push.locator('.route').textContent()).resolves.toBe('order-sync → Yandex Market');
      await expect(push.locator('.att').textContent()).resolves.toMatch(/^200 · \d+ ms$/);
      await expect(page.locator('.order-facts .badge').textContent()).resolves.toBe('READY_TO_SHIP');
      await push.click();
      await page.locator('#selected-event h3', { hasText: 'status push PROCESSING/READY_TO_SHIP' }).waitFor();
      await expect(page.locator('#selected-event pre.body').textContent()).resolves.toContain('"substatus": "READY_TO_SHIP"');
      await expect(page.locator('#history-title + .history-text').textContent()).resolves.toContain('READY_TO_SHIP');
      await check();
      await page.screenshot({ path: join(ARTIFACTS, 'console-2-market-order-journey.png'), fullPage: true });
      await page.screenshot({ path: join(ARTIFACTS, 'console-journey-1280x800.png') });

      // 7. The OMS reports packed for 05671863; 8. IMSHOP is made to fail three times, and the OMS reports again.
      await nav('Sandbox');
      await page.getByRole('button', { name: 'Send the OMS status' }).click();
      await expect(banner().textContent()).resolves.toContain("The retailer's OMS reported packed for order 05671863: order-sync answered 200.");
      await page.getByRole('link', { name: 'Back to the sandbox' }).click();
      const faultForm = page.getByRole('form', { name: 'Set a fault' });
      await faultForm.locator('select[name=peer]').selectOption('imshop');
      await faultForm.getByLabel('How many requests').fill('3');
      await faultForm.getByLabel('Answer with HTTP status').fill('503');
      await page.getByRole('button', { name: 'Set the fault' }).click();
      await expect(banner().textContent()).resolves.toContain('The sandbox IMSHOP answers its next 3 requests with: HTTP 503.');
      await page.getByRole('link', { name: 'Back to the sandbox' }).click();
      await expect(page.locator('#faults-title + ul').textContent()).resolves.toContain('imshop: HTTP 503, for its next 3 requests');
      await check();
      await page.getByRole('button', { name: 'Send the OMS status' }).click();
      await expect(banner().textContent()).resolves.toContain('answered 200');

      // The journey of 05671863: the first push sent at once; the second one's three 503s and the final 200.
      await find('05671863');
      await page.getByRole('link', { name: '05671863' }).click();
      const pushes = page.locator('.journey .arrow').filter({ has: page.locator('.label', { hasText: 'status push packed' }) });
      await until(async () => (await pushes.count()) === 2 && (await pushes.nth(1).locator('.badge').first().textContent()) === 'sent');
      await expect(pushes.nth(0).locator('.att').allTextContents()).resolves.toEqual([expect.stringMatching(/^200 · \d+ ms$/)]);
      const attempts = (await pushes.nth(1).locator('.att').allTextContents()).map((text) => text.split(' · ')[0]);
      expect(attempts).toEqual(['503', '503', '503', '200']);
      await expect(pushes.nth(1).locator('.route').textContent()).resolves.toBe('order-sync → IMSHOP app');
      await expect(page.locator('.journey .arrow .label', { hasText: 'status packed' }).count()).resolves.toBe(2);
      await pushes.nth(1).click();
      await page.locator('#selected-event h3', { hasText: 'status push packed' }).waitFor();
      await expect(page.locator('#selected-event ol').textContent()).resolves.toMatch(
        /503 · \d+ ms retry[\s\S]*503 · \d+ ms retry[\s\S]*503 · \d+ ms retry[\s\S]*200 · \d+ ms sent/,
      );
      await check();
      await page.screenshot({ path: join(ARTIFACTS, 'console-3-oms-order-retries.png'), fullPage: true });

      // What the sandbox peers received: the 503s with their fault, credentials masked.
      await nav('Sandbox');
      const statuses = page.locator('tbody tr').filter({ hasText: 'POST /statuses' });
      await expect(statuses.count()).resolves.toBe(5);
      await expect(statuses.filter({ hasText: 'HTTP 503' }).count()).resolves.toBe(3);
      await statuses
        .first()
        .getByText(/^request \d+$/)
        .click();
      await expect(statuses.first().locator('pre').first().textContent()).resolves.toContain('"authorization": "[masked]"');
      await check();

      // The other pages: deliveries, one delivery, targets and an action's confirmation, the mapping table, its audit and export.
      await nav('Deliveries');
      await check();
      await page.getByRole('link', { name: 'Retrying' }).click();
      await page.goto(`${base}/console/deliveries?target=imshop`);
      await page.locator('tbody tr').first().getByRole('link').first().click();
      await expect(page.locator('h1').textContent()).resolves.toMatch(/^Delivery \d+: status push packed$/);
      await expect(page.locator('tbody tr').allTextContents()).resolves.toHaveLength(4);
      await check();
      await nav('Targets');
      await check();
      await page
        .getByRole('row', { name: /imshop/ })
        .first()
        .getByRole('link', { name: 'Pause…' })
        .click();
      await expect(page.locator('h1').textContent()).resolves.toBe('Pause imshop?');
      await check();
      await page.getByRole('link', { name: 'Cancel' }).click();
      await nav('Status mappings');
      await check();
      const firstSave = page.locator('tbody tr').first();
      await firstSave.getByRole('link', { name: 'Audit' }).click();
      await check();
      await page.goto(`${base}/console/mappings/export?target=imshop`);
      await expect(page.locator('#export-json').textContent()).resolves.toContain('"code": "ready_for_pickup"');
      await check();

      expect(pageErrors).toEqual([]);
    } catch (error) {
      await page.screenshot({ path: join(ARTIFACTS, 'console-walkthrough-failure.png'), fullPage: true }).catch(() => undefined);
      throw error;
    }
  }, 240_000);

  it('has no serious or critical accessibility violation on any page, in the light and the dark theme', async () => {
    const dark = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    try {
      await dark.addCookies(await context.cookies());
      const darkPage = await dark.newPage();
      darkPage.on('pageerror', (error) => pageErrors.push(error.message));
      for (const path of visited) {
        await darkPage.goto(`${base}${path}`);
        axeProblems.push(...(await accessibilityProblems(darkPage)));
      }
      const journey = [...visited].find((path) => /^\/console\/orders\/[0-9a-f-]{36}(\?event=[hd]\d+)?$/.test(path))!;
      await darkPage.goto(`${base}${journey}`);
      await darkPage.screenshot({ path: join(ARTIFACTS, 'console-journey-dark.png') });
    } finally {
      await dark.close();
    }
    expect(visited.size).toBeGreaterThanOrEqual(14);
    expect(axeProblems).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('reads at a phone’s width (390 px): no sideways scrolling, the same journey, accessible', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'light', isMobile: true, hasTouch: true });
    try {
      await phone.addCookies(await context.cookies());
      const phonePage = await phone.newPage();
      const problems: string[] = [];
      for (const path of visited) {
        await phonePage.goto(`${base}${path}`);
        const overflow = await phonePage.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (overflow > 0) problems.push(`${path}: ${overflow} px wider than the screen`);
        problems.push(...(await accessibilityProblems(phonePage)));
      }
      const journeys = [...visited].filter((path) => /^\/console\/orders\/[0-9a-f-]{36}(\?event=[hd]\d+)?$/.test(path));
      await phonePage.goto(`${base}${journeys[0]}`);
      await expect(phonePage.locator('.journey .arrow .route').first().isVisible()).resolves.toBe(true);
      await expect(phonePage.locator('.journey .arrow').filter({ hasText: 'prepare ticket to the store' }).isVisible()).resolves.toBe(true);
      await phonePage.screenshot({ path: join(ARTIFACTS, 'console-journey-390.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await phone.close();
    }
  }, 120_000);

  it('switches the theme from the keyboard and keeps the choice', async () => {
    const themed = await context.newPage();
    await themed.goto(`${base}/console/orders`);
    await themed.keyboard.press('Tab');
    await expect(themed.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to content');
    await themed.keyboard.press('Enter');
    await expect(themed.evaluate(() => document.activeElement?.id)).resolves.toBe('main');
    await themed.getByRole('button', { name: 'Theme: system' }).focus();
    await themed.keyboard.press('Enter');
    await expect(themed.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('light');
    await themed.keyboard.press('Enter');
    await expect(themed.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark');
    await expect(themed.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).resolves.toBe('rgb(13, 17, 23)');
    await themed.reload();
    await expect(themed.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark');
    await expect(themed.getByRole('button', { name: 'Theme: dark' }).count()).resolves.toBe(1);
    axeProblems.push(...(await accessibilityProblems(themed)));
    expect(axeProblems).toEqual([]);
    await themed.close();
  }, 60_000);
});
