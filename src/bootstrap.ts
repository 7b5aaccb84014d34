import { ConsoleLogger, INestApplication, LogLevel as NestLogLevel, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { ADMIN_SECURITY_SCHEME } from './auth/admin-key.guard';
import { HttpErrorFilter } from './common/http-error.filter';
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

/** The service is always started from its package root (npm start, start:prod, the container's WORKDIR). */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Builds the whole HTTP app (used by main.ts and by the e2e tests, so both run the same thing). */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: createLogger(config.logLevel),
    bodyParser: false,
    rawBody: true,
  });
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
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
  return app;
}
