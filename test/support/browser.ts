import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium package, or CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The browser of the Swagger UI tests: headless Chromium driven by playwright-core, with a fresh profile and
 * nothing that reaches the network by itself. Every browser test gets its browser here only, so where the
 * browser comes from can change in one place. The profile is fresh and empty every time: playwright's launch()
 * creates a temporary --user-data-dir itself (and refuses one among the arguments) and deletes it on close.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the Swagger UI browser tests need Debian's chromium package ` +
        '(apt-get install -y --no-install-recommends chromium; .ci/run installs it when it is missing). ' +
        'Set CHROMIUM_PATH to use another binary.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
