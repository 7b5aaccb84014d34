import { INestApplication, INestApplicationContext, ValidationPipe, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { HttpErrorFilter } from './common/http-error.filter';
import { rejectUnsafeJson } from './common/json-guard';
import { runMigrationsExclusively } from './database/run-migrations';
import { buildApiDocument } from './docs/api-document';
import { MARKET_PATH_PREFIX } from './market/market-answer';
import { MarketErrorFilter } from './market/market-error.filter';
import { marketIpAllowlist } from './market/market-ip-allowlist';
import { raw, type NextFunction, type Request, type Response } from 'express';
import type { AppConfig, LogFormat, LogLevel } from './config/app-config';
import helmet from 'helmet';
import { DataSource } from 'typeorm';
import type { DestinationStream } from 'pino';
import { createPinoLogger, PinoNestLogger } from './logging/logger';
import { requestContext } from './logging/request-context';
import { accessLog } from './logging/access-log';
import { MetricsService } from './metrics/metrics.service';
import { mountQueueDashboard } from './queue/queue-dashboard';
import { webhookMetrics } from './metrics/webhook-metrics.middleware';

/** The process-wide logger: pino, JSON lines or pretty ones (LOG_FORMAT; see resolveLogFormat). */
export function createLogger(level: LogLevel, destination?: DestinationStream, format?: LogFormat): PinoNestLogger {
  return new PinoNestLogger(createPinoLogger(level, destination, format));
}

/** What a worker process serves: what its own operation needs; webhooks, admin and the docs go to api processes. */
export const WORKER_PATHS = ['/health', '/metrics', '/admin/queues'];

export function servedByWorker(path: string): boolean {
  return WORKER_PATHS.some((served) => path === served || path.startsWith(`${served}/`));
}

function workerOnlyRoutes() {
  return (req: Request, res: Response, next: NextFunction) => {
    if (servedByWorker(req.path)) return next();
    res
      .status(404)
      .json({ statusCode: 404, message: 'this is a worker process (APP_ROLE=worker): webhooks, the admin API and the docs are served by api processes' });
  };
}

export interface CreateAppOptions {
  /** Where log lines go (tests capture them); default stdout. */
  logDestination?: DestinationStream;
}

/**
 * The application without HTTP: every module (or only `modules`, with what they import) and its services on the
 * database (migrated), no routes, no parsers, no filters. The service tests (test/service) call services through it
 * as their callers do.
 */
export async function createServiceContext(config: AppConfig, options: CreateAppOptions & { modules?: Type[] } = {}): Promise<INestApplicationContext> {
  const pinoLogger = createPinoLogger(config.logLevel, options.logDestination, config.logFormat);
  const root = options.modules ? AppModule.withModules(config, options.modules) : AppModule.forRoot(config);
  const context = await NestFactory.createApplicationContext(root, { logger: new PinoNestLogger(pinoLogger) });
  await runMigrationsExclusively(context.get(DataSource), pinoLogger);
  await context.init();
  return context;
}

/** Builds the whole HTTP app (used by main.ts and by the e2e tests, so both run the same thing). */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<INestApplication> {
  const pinoLogger = createPinoLogger(config.logLevel, options.logDestination, config.logFormat);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: new PinoNestLogger(pinoLogger),
    bodyParser: false,
    rawBody: true,
  });
  await runMigrationsExclusively(app.get(DataSource), pinoLogger);
  // Security headers on every answer (and no X-Powered-By), whatever the route and whoever answers it. CORS stays off.
  app.disable('x-powered-by');
  app.use(helmet());
  // Every request gets an id (echoed as X-Request-Id, carried into queue jobs) and one access-log line.
  app.use(requestContext());
  app.use(accessLog(pinoLogger));
  app.use(webhookMetrics(app.get(MetricsService)));
  mountQueueDashboard(app, config);
  if (config.role === 'worker') app.use(workerOnlyRoutes());
  // Order matters: /market is checked against the allowlist before its body is read, and read raw so
  // int64 ids can be parsed without rounding; every other route gets the usual JSON parser.
  app.set('trust proxy', config.trustProxy);
  // No answer here is cached by its clients: an ETag would hash every body for nothing.
  app.set('etag', false);
  app.use(MARKET_PATH_PREFIX, marketIpAllowlist(config.marketAllowedCidrs), raw({ type: () => true, limit: config.bodyLimitBytes }));
  app.useBodyParser('json', { limit: config.bodyLimitBytes });
  // NUL, lone surrogates, absurd nesting and nested constructor keys are 400 here, not a 500 later.
  app.use(rejectUnsafeJson());
  app.useGlobalFilters(new HttpErrorFilter({ [MARKET_PATH_PREFIX]: new MarketErrorFilter() }));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false }));
  const document = buildApiDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
  return app;
}
