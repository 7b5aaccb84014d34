import { Module } from '@nestjs/common';
import { MarketApiModule } from '../market-api/market-api.module';
import { OrdersModule } from '../orders/orders.module';
import { MarketReconcileController } from './market-reconcile.controller';
import { MarketReconcileService } from './market-reconcile.service';

/** Reconciliation with Market: the pull of changed orders and its admin endpoint. */
@Module({
  imports: [MarketApiModule, OrdersModule],
  controllers: [MarketReconcileController],
  providers: [MarketReconcileService],
  exports: [MarketReconcileService],
})
export class MarketReconcileModule {}
