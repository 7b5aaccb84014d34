import { DynamicModule, Module, type Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ConsoleModule } from './console/console.module';
import { ChannelsModule } from './events/channels';
import { dataSourceOptions } from './database/data-source-options';
import { HealthModule } from './health/health.module';
import { AppCancellationModule } from './imshop-app-cancellation/app-cancellation.module';
import { ImshopTicketsModule } from './imshop-tickets/imshop-tickets.module';
import { ImshopSyncModule } from './imshop-sync/imshop-sync.module';
import { MarketApiModule } from './market-api/market-api.module';
import { MarketReconcileWorkerModule } from './market-reconcile/market-reconcile-worker.module';
import { MarketReconcileModule } from './market-reconcile/market-reconcile.module';
import { MarketModule } from './market/market.module';
import { OutboxModule } from './outbox/outbox.module';
import { OutboxWorkerModule } from './outbox/outbox-worker.module';
import { MetricsModule } from './metrics/metrics.module';

import { OrdersModule } from './orders/orders.module';
import { QueueModule } from './queue/queue.module';
import { ReplayModule } from './replay/replay.module';
import { RetentionWorkerModule } from './retention/retention-worker.module';
import { RetentionModule } from './retention/retention.module';
import { SandboxModule } from './sandbox/sandbox.module';
import { StatusMappingModule } from './status-mapping/status-mapping.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    // One instance, imported here and by the console (whose Sandbox page plays and lists its peers).
    const sandbox = config.sandbox ? SandboxModule.forRoot(config) : undefined;
    return {
      module: AppModule,
      imports: [
        ...AppModule.infrastructure(config),
        StatusMappingModule,
        OrdersModule,
        HealthModule,
        MarketModule,
        OutboxModule,
        // The delivery worker and the sweeper run everywhere but in an api-only process.
        ...(config.role === 'api' ? [] : [OutboxWorkerModule]),
        ImshopSyncModule,
        ImshopTicketsModule,
        AppCancellationModule,
        MarketApiModule,
        ReplayModule,
        RetentionModule,
        // The retention schedule and the paused-target probe (in OutboxWorkerModule) run on the workers.
        ...(config.role === 'api' ? [] : [RetentionWorkerModule]),
        MarketReconcileModule,
        // The reconciliation pull runs on a schedule on the workers only.
        ...(config.role === 'api' ? [] : [MarketReconcileWorkerModule]),
        // Nothing of the sandbox exists unless SANDBOX=true (never in production: the config refuses it).
        ...(sandbox ? [sandbox] : []),
        // The web console at /console: pages over the modules above (see docs/console.md).
        ConsoleModule.forRoot(config, sandbox),
      ],
    };
  }

  /**
   * Some of the feature modules (and what they import) on the infrastructure: the service tier tests a flow with
   * the modules it needs, without the rest of the app (test/service/service-context.ts).
   */
  static withModules(config: AppConfig, modules: Type[]): DynamicModule {
    return { module: AppModule, imports: [...AppModule.infrastructure(config), ...modules] };
  }

  /** What every module stands on: configuration, channels, metrics, the database, the queue. */
  private static infrastructure(config: AppConfig): DynamicModule['imports'] & unknown[] {
    if (!config.databaseUrl) throw new Error('AppModule needs a database URL (main.ts starts the embedded one when none is configured)');
    return [
      ConfigModule.forRoot(config),
      ChannelsModule,
      MetricsModule,
      TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl, config.databasePoolSize)),
      QueueModule,
    ];
  }
}
