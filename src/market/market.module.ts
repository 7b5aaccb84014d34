import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module';
import { MarketAdminController } from './market-admin.controller';
import { MarketController } from './market.controller';
import { MarketNotificationService } from './market-notification.service';

@Module({
  imports: [OrdersModule],
  controllers: [MarketController, MarketAdminController],
  providers: [MarketNotificationService],
  exports: [MarketNotificationService],
})
export class MarketModule {}
