import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MarketReconcileService } from './market-reconcile.service';

/** First run this long after boot (not in the middle of a start), then every MARKET_RECONCILE_MINUTES. */
const FIRST_RUN_DELAY_MS = 60_000;

/**
 * Runs the reconciliation pull on a timer in every worker process; the job's advisory lock makes exactly one of
 * them do the work at a time (the others skip that round).
 */
@Injectable()
export class MarketReconcileScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(
    reconcile: MarketReconcileService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.task = new PeriodicTask('reconcile', new Logger('Reconcile'), () => reconcile.runAll());
  }

  onApplicationBootstrap(): void {
    const every = this.config.marketApi.reconcileIntervalMs;
    this.task.start(every, Math.min(every, FIRST_RUN_DELAY_MS));
  }

  onModuleDestroy(): void {
    this.task.stop();
  }
}
