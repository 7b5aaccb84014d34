import type { Logger } from '@nestjs/common';

/**
 * A background job on a timer: never two runs at once in this process, failures logged (a timer
 * callback must not throw), timers unref'd so they never keep a closing process alive.
 */
export class PeriodicTask {
  private timers: NodeJS.Timeout[] = [];
  private running = false;

  constructor(
    private readonly name: string,
    private readonly logger: Logger,
    private readonly work: () => Promise<unknown>,
  ) {}

  /** Every `everyMs` (0 or less: never), the first run after `firstRunAfterMs`. */
  start(everyMs: number, firstRunAfterMs = everyMs): void {
    if (everyMs <= 0) return;
    if (firstRunAfterMs < everyMs) this.timers.push(setTimeout(() => void this.runOnce(), firstRunAfterMs));
    this.timers.push(setInterval(() => void this.runOnce(), everyMs));
    for (const timer of this.timers) timer.unref();
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }

  private async runOnce(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.work();
    } catch (error) {
      this.logger.warn(`${this.name} failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
