import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { PeriodicTask } from '../common/periodic-task';
import { withSessionLock } from '../database/session-lock';
import { OutboxService } from './outbox.service';
import { TargetHealthService } from './target-health.service';

/**
 * Every TARGET_PROBE_INTERVAL_MS, tries each automatically paused target with one waiting delivery; a
 * success resumes it. One process probes at a time (an advisory lock), so N workers send one probe.
 */
@Injectable()
export class TargetProbe implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('TargetProbe');
  private readonly task = new PeriodicTask('probe', this.logger, () => this.tick());
  private running = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly health: TargetHealthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start(this.config.operations.probeIntervalMs);
  }

  onModuleDestroy(): void {
    this.task.stop();
  }

  /** One round over the paused targets; returns what each probe did (tests call it directly). */
  async tick(): Promise<Record<string, string>> {
    if (this.running) return {};
    this.running = true;
    const outcomes: Record<string, string> = {};
    try {
      await withSessionLock(this.dataSource, 'order-sync:target-probe', async () => {
        for (const target of await this.health.autoPaused()) {
          const outcome = await this.outbox.probe(target);
          outcomes[target] = outcome ?? 'nothing waiting';
          this.logger.log(`probe of paused target ${target}: ${outcome ?? 'no waiting delivery to try'}`);
        }
      });
    } catch (error) {
      this.logger.warn(`probe failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
    return outcomes;
  }
}
