import { Module } from '@nestjs/common';
import { ImshopTicketsModule } from '../imshop-tickets/imshop-tickets.module';
import { OrdersModule } from '../orders/orders.module';
import { OutboxModule } from '../outbox/outbox.module';
import { StatusMappingModule } from '../status-mapping/status-mapping.module';
import { MarketApiClient } from './market-api.client';
import { MarketAutomationController } from './market-automation.controller';
import { MarketAutomationRepository } from './market-automation.repository';
import { MarketAutomationService } from './market-automation.service';
import { MarketLoopService } from './market-loop.service';
import { MarketOrderDetailsRepository } from './market-order-details.repository';
import { MarketOrderDetailsService } from './market-order-details.service';
import { MarketSendersService } from './market-senders.service';

/** Market's partner API: status push, detail fetch, cancellation answers, and the per-campaign automation rules. */
@Module({
  imports: [OrdersModule, OutboxModule, StatusMappingModule, ImshopTicketsModule],
  controllers: [MarketAutomationController],
  providers: [
    MarketApiClient,
    MarketAutomationRepository,
    MarketAutomationService,
    MarketOrderDetailsRepository,
    MarketOrderDetailsService,
    MarketLoopService,
    MarketSendersService,
  ],
  exports: [MarketApiClient, MarketAutomationService],
})
export class MarketApiModule {}
