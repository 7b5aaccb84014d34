import { ConsoleLogger, INestApplication, LogLevel as NestLogLevel, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { ADMIN_SECURITY_SCHEME } from './auth/admin-key.guard';
import { IMSHOP_SECURITY_SCHEME } from './auth/imshop-key.guard';
import { HttpErrorFilter } from './common/http-error.filter';
import { packageVersion } from './common/package-version';
import { MARKET_PATH_PREFIX } from './market/market-answer';
import { marketIpAllowlist } from './market/market-ip-allowlist';
import { raw } from 'express';
import type { AppConfig, LogLevel } from './config/app-config';

const NEST_LEVELS: Record<LogLevel, NestLogLevel[]> = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

export function createLogger(level: LogLevel): ConsoleLogger {
  return new ConsoleLogger({ logLevels: NEST_LEVELS[level], json: process.env.NODE_ENV === 'production' });
}



/** Builds the whole HTTP app (used by main.ts and by the e2e tests, so both run the same thing). */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: createLogger(config.logLevel),
    bodyParser: false,
    rawBody: true,
  });
  // Order matters: /market is checked against the allowlist before its body is read, and read raw so
  // int64 ids can be parsed without rounding; every other route gets the usual JSON parser.
  app.set('trust proxy', config.trustProxy);
  app.use(MARKET_PATH_PREFIX, marketIpAllowlist(config.marketAllowedCidrs), raw({ type: () => true, limit: config.bodyLimitBytes }));
  app.useBodyParser('json', { limit: config.bodyLimitBytes });
  app.useGlobalFilters(new HttpErrorFilter());
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false }),
  );
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('order-sync')
      .setDescription('Keeps a retailer\'s orders in step across Yandex Market and an IMSHOP.IO app. Admin endpoints need the admin key (Authorize).')
      .setVersion(packageVersion())
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'ADMIN_API_KEY' }, ADMIN_SECURITY_SCHEME)
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'IMSHOP_WEBHOOK_KEY (what IMSHOP sends)' }, IMSHOP_SECURITY_SCHEME)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
  return app;
}
