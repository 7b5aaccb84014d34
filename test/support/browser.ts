import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

/**
 * The browser for the browser tests: the Chromium that `npm ci` installs with @sparticuz/chromium (the
 * binary ships inside the package, brotli-compressed; nothing is downloaded and no system package is
 * needed), or the binary CHROMIUM_PATH names.
 */

/**
 * The flags this machine kind needs: headless as root without a sandbox, and no background traffic
 * (the network is closed, and Chromium's connections to Google's hosts would be refused at every start).
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Resolved from the project root (the tests run there), so this file works in ESM and CommonJS alike.
const requireFromRoot = createRequire(join(process.cwd(), 'package.json'));

/**
 * Unpacks the package's Chromium once per install into node_modules/.cache (the package itself unpacks
 * into a shared /tmp/chromium and reuses whatever it finds there, even another version or a half-written
 * file). The unpacking runs in a child process with TMPDIR pointed at a private folder, which is then
 * renamed into place, so a run that is interrupted, or two that race, never leave a broken binary.
 */
async function bundledChromium(): Promise<string> {
  // build/index.js: the package exports no ./package.json
  const packageDir = resolve(dirname(requireFromRoot.resolve('@sparticuz/chromium')), '..');
  const packageJson = join(packageDir, 'package.json');
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const cacheDir = resolve(packageDir, '..', '..', '.cache', `sparticuz-chromium-${version}`);
  const binary = join(cacheDir, 'chromium');
  if (existsSync(binary)) return binary;
  mkdirSync(dirname(cacheDir), { recursive: true });
  const staging = mkdtempSync(`${cacheDir}.partial-`);
  try {
    const unpack = "import('@sparticuz/chromium').then((m) => m.default.executablePath()).then((p) => process.stdout.write(p))";
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', unpack], {
      cwd: packageDir,
      env: { ...process.env, TMPDIR: staging },
      timeout: 120_000,
    });
    if (resolve(stdout.trim()) !== join(staging, 'chromium')) throw new Error(`@sparticuz/chromium unpacked to ${stdout.trim()}, not into ${staging}`);
    try {
      renameSync(staging, cacheDir);
    } catch (error) {
      if (!existsSync(binary)) throw error; // another run finished first: use its copy
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

/**
 * Starts headless Chromium for playwright-core. Each launch gets a fresh, empty profile: playwright's
 * launch() makes a new temporary user-data-dir and removes it on close().
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH || (await bundledChromium());
  if (!existsSync(executablePath)) throw new Error(`CHROMIUM_PATH is ${executablePath}, which does not exist`);
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
}
