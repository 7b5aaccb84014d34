import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startValidatingProxy, type AnswerCheck } from './answer-check';
import { killEverything, startApp, type AppProcess } from './app-process';

/** The built service started as `npm start` starts it, for the walkthroughs in a browser. */
export interface SandboxService {
  app: AppProcess;
  /** The URL to use: a proxy in front of the service that checks every answer against its /docs-json. */
  base: string;
  /** What the proxy checked. */
  answers: AnswerCheck;
  dataDir: string;
  /** A key the sandbox generated into its data directory (`admin-api-key`, `imshop-webhook-key`). */
  key(file: 'admin-api-key' | 'imshop-webhook-key'): string;
  /** Stops the service (SIGTERM) with its embedded PostgreSQL, and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * `node --env-file=sandbox.env dist/main.js` with nothing else configured but free ports and its own data
 * directory, so on its own embedded PostgreSQL as `npm start` runs (the sandbox refuses a DATABASE_URL), and
 * REDIS_URL when the tests have one.
 */
export async function startSandboxService(name: string): Promise<SandboxService> {
  const dataDir = mkdtempSync(join(tmpdir(), `order-sync-${name}-`));
  let app: AppProcess;
  try {
    app = await startApp({
      dataDir,
      nodeArgs: ['--env-file=sandbox.env'],
      env: {
        REDIS_URL: process.env.REDIS_URL,
        QUEUE_PREFIX: `${name}-${process.pid}`,
        LOG_LEVEL: 'warn',
        // The README's retries come after 0.1 s, 6 s and 36 s; capped here so the tests do not wait 40 s for them.
        DELIVERY_BACKOFF_MAX_MS: '2000',
      },
    });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  let proxy: Awaited<ReturnType<typeof startValidatingProxy>>;
  try {
    proxy = await startValidatingProxy({ port: app.port });
  } catch (error) {
    app.stop('SIGTERM');
    await app.exited;
    await killEverything([]);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    app,
    base: proxy.url,
    answers: proxy.check,
    dataDir,
    key: (file) => readFileSync(join(dataDir, file), 'utf8').trim(),
    async stop() {
      await proxy.close();
      app.stop('SIGTERM');
      await app.exited;
      await killEverything([]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
