import type { Locator, Page } from 'playwright-core';

/**
 * What a person does in Swagger UI, as steps for the browser tests: authorise, open an operation, "Try it out",
 * pick an example, fill a parameter, "Execute", read the answer shown.
 */

export async function authorize(page: Page, keys: Record<string, string>): Promise<void> {
  await page.locator('.scheme-container button.authorize').click();
  const dialog = page.locator('.dialog-ux .modal-ux');
  await dialog.waitFor();
  for (const [scheme, key] of Object.entries(keys)) {
    const container = dialog.locator('.auth-container').filter({ has: page.locator('h4', { hasText: scheme }) });
    await container.locator('input').first().fill(key);
    await container.locator('button.authorize').click();
    // once authorised, the scheme offers "Logout" instead
    await container.locator('button', { hasText: 'Logout' }).waitFor();
  }
  await dialog.locator('button.btn-done').first().click();
  await dialog.waitFor({ state: 'detached' });
}

/** Expands an operation (once) and returns its block. */
export async function openOperation(page: Page, method: string, path: string): Promise<Locator> {
  const block = page
    .locator(`.opblock.opblock-${method}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
    .first();
  if (!(await block.locator('.opblock-body').isVisible())) await block.locator('.opblock-summary-control').click();
  await block.locator('.opblock-body').waitFor();
  return block;
}

/** "Try it out" (when not pressed yet). */
export async function tryItOut(block: Locator): Promise<void> {
  const button = block.locator('button.try-out__btn');
  if ((await button.innerText()).trim() === 'Try it out') await button.click();
}

/** Picks a named request body example; returns the body Swagger UI will send. */
export async function pickExample(block: Locator, exampleName: string): Promise<Record<string, any>> {
  await block.locator('.opblock-section-request-body .examples-select select').selectOption(exampleName);
  const textarea = block.locator('.opblock-section-request-body textarea.body-param__text');
  await textarea.waitFor();
  return JSON.parse(await textarea.inputValue()) as Record<string, any>;
}

/** Replaces the request body, as a person pasting JSON into the text area. */
export async function replaceBody(block: Locator, body: unknown): Promise<void> {
  await block.locator('.opblock-section-request-body textarea.body-param__text').fill(JSON.stringify(body, null, 2));
}

/** Types a value into a parameter's input (path, query or header), or picks it in an enum's list ('' picks "--"). */
export async function fillParameter(block: Locator, name: string, value: string): Promise<void> {
  const row = block.locator(`tr[data-param-name="${name}"]`);
  const select = row.locator('select');
  if (await select.count()) await select.selectOption(value === '' ? { index: 0 } : value);
  else await row.locator('input').fill(value);
}

export interface ShownAnswer {
  status: number;
  body: string;
  /** The curl command Swagger UI shows for the request it sent. */
  curl: string;
  /** The request URL it shows. */
  url: string;
}

/** "Execute", then reads the answer shown under "Server response". */
export async function execute(block: Locator): Promise<ShownAnswer> {
  // A second Execute of the same operation replaces the answer shown: clear it first, then wait for the new one.
  const clear = block.locator('button.btn-clear');
  if (await clear.isVisible()) await clear.click();
  await block.locator('button.execute').click();
  const response = block.locator('.responses-wrapper .live-responses-table tr.response');
  await response.first().waitFor({ timeout: 30_000 });
  const status = Number((await response.first().locator('td.response-col_status').innerText()).trim());
  const body = (await response.first().locator('.response-col_description pre').first().innerText()).trim();
  const curl = await block.locator('.curl-command .curl').first().innerText();
  const url = (await block.locator('.request-url pre').first().innerText()).trim();
  return { status, body, curl, url };
}
