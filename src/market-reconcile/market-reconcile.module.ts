import { Module } from '@nestjs/common';
import { MarketApiModule } from '../market-api/market-api.module';
import { OrdersModule } from '../orders/orders.module';
import { MarketReconcileController } from './market-reconcile.controller';
import { MarketReconcileRepository } from './market-reconcile.repository';
import { MarketReconcileService } from './market-reconcile.service';
import { ReconcileMetrics } from './reconcile-metrics';
import { ReconcilePull } from './reconcile-pull';

/** Reconciliation with Market: the pull of changed orders and its admin endpoint. */
@Module({
  imports: [MarketApiModule, OrdersModule],
  controllers: [MarketReconcileController],
  providers: [MarketReconcileRepository, ReconcilePull, MarketReconcileService, ReconcileMetrics],
  exports: [MarketReconcileService],
})
export class MarketReconcileModule {}
