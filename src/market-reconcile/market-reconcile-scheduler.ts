import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
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
  private readonly logger = new Logger('Reconcile');
  private timer?: NodeJS.Timeout;
  private first?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly reconcile: MarketReconcileService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.marketApi.reconcileIntervalMs;
    if (every <= 0) return;
    this.first = setTimeout(() => void this.tick(), Math.min(every, FIRST_RUN_DELAY_MS));
    this.first.unref();
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearTimeout(this.first);
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.reconcile.runAll();
    } catch (error) {
      this.logger.warn(`reconcile failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
