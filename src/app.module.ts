import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions } from './database/data-source-options';
import { HealthModule } from './health/health.module';
import { ImshopTicketsModule } from './imshop-tickets/imshop-tickets.module';
import { ImshopSyncModule } from './imshop-sync/imshop-sync.module';
import { MarketModule } from './market/market.module';
import { OutboxModule } from './outbox/outbox.module';
import { OrdersModule } from './orders/orders.module';
import { QueueModule } from './queue/queue.module';
import { StatusMappingModule } from './status-mapping/status-mapping.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.databaseUrl) throw new Error('AppModule needs a database URL (main.ts starts the embedded one when none is configured)');
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config.databaseUrl), migrationsRun: true }),
        QueueModule,
        StatusMappingModule,
        OrdersModule,
        HealthModule,
        MarketModule,
        OutboxModule,
        ImshopSyncModule,
        ImshopTicketsModule,
      ],
    };
  }
}
