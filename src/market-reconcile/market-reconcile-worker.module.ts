import { Module } from '@nestjs/common';
import { MarketReconcileScheduler } from './market-reconcile-scheduler';
import { MarketReconcileModule } from './market-reconcile.module';

/** The scheduled half of reconciliation; an api-only process (APP_ROLE=api) leaves it out. */
@Module({
  imports: [MarketReconcileModule],
  providers: [MarketReconcileScheduler],
})
export class MarketReconcileWorkerModule {}
