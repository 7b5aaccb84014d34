import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module';
import { MarketAdminController } from './market-admin.controller';
import { MarketController } from './market.controller';
import { MarketEventsService } from './market-events.service';
import { MarketNotificationService } from './market-notification.service';
import { MarketRepository } from './market.repository';

@Module({
  imports: [OrdersModule],
  controllers: [MarketController, MarketAdminController],
  providers: [MarketNotificationService, MarketEventsService, MarketRepository],
  exports: [MarketNotificationService, MarketEventsService],
})
export class MarketModule {}
