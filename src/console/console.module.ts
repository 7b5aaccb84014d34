import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { urlencoded } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '../config/app-config';
import { ImshopTicketsModule } from '../imshop-tickets/imshop-tickets.module';
import { MarketModule } from '../market/market.module';
import { OrdersModule } from '../orders/orders.module';
import { OutboxModule } from '../outbox/outbox.module';
import { StatusMappingModule } from '../status-mapping/status-mapping.module';
import { ConsoleAuthController } from './console-auth.controller';
import { ConsoleFallbackController } from './console-fallback.controller';
import { ConsoleMappingsController } from './console-mappings.controller';
import { ConsoleOperationsController } from './console-operations.controller';
import { ConsoleOrdersController } from './console-orders.controller';
import { ConsoleReadsService } from './console-reads.service';
import { ConsoleSandboxController } from './console-sandbox.controller';
import { ConsoleSessionGuard } from './console-session.guard';
import { ConsoleSessionsRepository } from './console-sessions.repository';
import { ConsoleSessionsService } from './console-sessions.service';
import { SandboxPlayerService } from './sandbox-player.service';

const CONTROLLERS = [ConsoleAuthController, ConsoleOrdersController, ConsoleOperationsController, ConsoleMappingsController];

/**
 * The web console at /console: server-rendered pages (see docs/console.md) for the people who run the
 * integration. It owns only its sessions (console_sessions); everything it shows or changes it asks the owning
 * modules for, through their exported services. `sandbox`: the sandbox module (SANDBOX=true), whose peers the
 * console's Sandbox page plays and lists.
 */
@Module({})
export class ConsoleModule implements NestModule {
  static forRoot(config: AppConfig, sandbox?: DynamicModule): DynamicModule {
    return {
      module: ConsoleModule,
      imports: [OrdersModule, OutboxModule, StatusMappingModule, MarketModule, ImshopTicketsModule, ...(config.sandbox && sandbox ? [sandbox] : [])],
      // The fallback (any other /console path) comes last, after every real route.
      controllers: [...CONTROLLERS, ...(config.sandbox && sandbox ? [ConsoleSandboxController] : []), ConsoleFallbackController],
      providers: [
        ConsoleSessionsRepository,
        ConsoleSessionsService,
        ConsoleSessionGuard,
        ConsoleReadsService,
        ...(config.sandbox && sandbox ? [SandboxPlayerService] : []),
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(
        // Pages hold order data: never cached, never framed; scripts and styles only from the console itself.
        helmet({
          contentSecurityPolicy: {
            useDefaults: false,
            directives: {
              defaultSrc: ["'none'"],
              scriptSrc: ["'self'"],
              styleSrc: ["'self'"],
              imgSrc: ["'self'", 'data:'],
              connectSrc: ["'self'"],
              formAction: ["'self'"],
              frameAncestors: ["'none'"],
              baseUri: ["'none'"],
            },
          },
          referrerPolicy: { policy: 'same-origin' },
        }),
        (_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void) => {
          res.setHeader('Cache-Control', 'no-store');
          next();
        },
        // The console's forms (application/x-www-form-urlencoded); JSON is parsed for every route already.
        urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }),
      )
      .forRoutes(ConsoleFallbackController);
  }
}
