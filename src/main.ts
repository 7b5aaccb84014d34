import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import { createApp, createLogger } from './bootstrap';
import { adminKeyFile, ConfigError, loadConfig, type AppConfig } from './config/app-config';
import { assertEmbeddedPostgresInstalled, EmbeddedPostgresMissingError, startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres';

/**
 * Ctrl-C (SIGINT), SIGTERM and SIGHUP shut the service down in order (app, then the embedded PostgreSQL)
 * and exit 0, or 1 when the shutdown fails. A repeated signal during the shutdown is ignored.
 */
function stopOnSignals(logger: Logger, shutdown: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} received again: still shutting down`);
      return;
    }
    stopping = true;
    logger.log(`${signal} received: shutting down`);
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`shutdown failed: ${(error as Error).stack ?? String(error)}`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

async function main(): Promise<void> {
  const started = Date.now();
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = new Logger('order-sync');
  Logger.overrideLogger(createLogger(config.logLevel, undefined, config.logFormat));

  let embedded: EmbeddedDatabase | undefined;
  let app: INestApplication | undefined;
  // A signal during start-up takes effect once the service is up (a failed start exits by itself), so
  // an embedded PostgreSQL that is starting is never left behind.
  let markStarted!: () => void;
  const startedUp = new Promise<void>((resolve) => (markStarted = resolve));
  stopOnSignals(logger, async () => {
    await startedUp;
    // Stopping the embedded PostgreSQL closes the app first (its beforeStop hook).
    await (embedded ? embedded.stop() : app?.close());
  });

  if (!config.databaseUrl) {
    try {
      await assertEmbeddedPostgresInstalled();
    } catch (error) {
      if (error instanceof EmbeddedPostgresMissingError) {
        process.stderr.write(`${error.message}\n`);
        process.exit(1);
      }
      throw error;
    }
    logger.log(`DATABASE_URL is not set: starting the embedded PostgreSQL in ${config.dataDir}`);
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPgPort,
      log: (message) => logger.debug(message),
      warn: (message) => logger.warn(message),
      callerHandlesSignals: true,
    });
    config = { ...config, databaseUrl: embedded.url };
  }

  try {
    const created = await createApp(config);
    app = created;
    // Connections end before the server goes down.
    embedded?.setBeforeStop(() => created.close());
    await created.listen(config.port, config.host);
    logger.log(`listening on http://${config.host}:${config.port} (docs at /docs), ready in ${Date.now() - started} ms`);
    if (config.adminApiKeyGenerated) {
      logger.warn(`ADMIN_API_KEY is not set: a generated admin key is in ${adminKeyFile(config)}`);
    }
    markStarted();
  } catch (error) {
    logger.error(`start failed: ${(error as Error).stack ?? String(error)}`);
    await embedded?.stop();
    process.exit(1);
  }
}

void main();
