import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp, createLogger } from './bootstrap';
import { adminKeyFile, ConfigError, loadConfig, type AppConfig } from './config/app-config';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres';

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
  Logger.overrideLogger(createLogger(config.logLevel));

  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    logger.log(`DATABASE_URL is not set: starting the embedded PostgreSQL in ${config.dataDir}`);
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPgPort,
      log: (message) => logger.debug(message),
      warn: (message) => logger.warn(message),
    });
    config = { ...config, databaseUrl: embedded.url };
  }

  try {
    const app = await createApp(config);
    if (embedded) {
      // embedded-postgres stops the server from its own SIGINT/SIGTERM hook; close the app first.
      embedded.setBeforeStop(async () => {
        logger.log('shutting down');
        await app.close();
      });
    } else {
      app.enableShutdownHooks();
    }
    await app.listen(config.port, config.host);
    logger.log(`listening on http://${config.host}:${config.port} (docs at /docs), ready in ${Date.now() - started} ms`);
    if (config.adminApiKeyGenerated) {
      logger.warn(`ADMIN_API_KEY is not set: a generated admin key is in ${adminKeyFile(config)}`);
    }
  } catch (error) {
    logger.error(`start failed: ${(error as Error).stack ?? String(error)}`);
    await embedded?.stop();
    process.exit(1);
  }
}

void main();
