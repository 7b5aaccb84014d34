import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { PeriodicTask } from '../common/periodic-task';
import { TargetsService } from './targets.service';
import { TargetHealthService } from './target-health.service';

/**
 * Every TARGET_PROBE_INTERVAL_MS, tries each automatically paused target with one waiting delivery; a
 * success resumes it. One process takes each target's turn (last_probe_at, compare-and-set), so N workers
 * send one probe.
 */
@Injectable()
export class TargetProbe implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('TargetProbe');
  private readonly task = new PeriodicTask('probe', this.logger, () => this.tick());
  private running = false;

  constructor(
    private readonly targets: TargetsService,
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
      for (const target of await this.health.autoPaused()) {
        // One process probes a target per interval; no lock is held while the probe's request is out.
        if (!(await this.health.claimProbe(target, this.config.operations.probeIntervalMs))) continue;
        const outcome = await this.targets.probe(target);
        outcomes[target] = outcome ?? 'nothing waiting';
        this.logger.log(`probe of paused target ${target}: ${outcome ?? 'no waiting delivery to try'}`);
      }
    } catch (error) {
      this.logger.warn(`probe failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
    return outcomes;
  }
}
