import type { Logger } from '@nestjs/common';
import { HeldLease } from './held-lease';

/** What renews leases: the repository's statement, by lease token. */
export interface LeaseRenewal {
  renewLeases(leases: { id: string; token: string }[], leaseMs: number): Promise<Set<string>>;
}

/**
 * The claims this process holds (by lease token, one per attempt), renewed while their requests are out and until
 * recorded. A renewal that comes through extends each lease from the moment it was sent; a lease missing from the
 * answer is no longer ours (released by a sweeper after it lapsed): its attempt starts no request from now on. A
 * renewal that fails extends nothing, so the leases close by themselves.
 */
export class HeldLeases {
  private readonly held = new Map<string, HeldLease>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly renewal: LeaseRenewal,
    private readonly leaseMs: number,
    renewEveryMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.renew(), renewEveryMs);
    this.timer.unref();
  }

  hold(lease: HeldLease): void {
    this.held.set(lease.token, lease);
  }

  release(lease: HeldLease): void {
    lease.end();
    this.held.delete(lease.token);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const leases = [...this.held.values()];
    const sentAt = Date.now();
    let renewed: Set<string>;
    try {
      renewed = await this.renewal.renewLeases(
        leases.map((lease) => ({ id: lease.id, token: lease.token })),
        this.leaseMs,
      );
    } catch (error) {
      this.logger.warn(`leases of ${leases.length} deliveries in flight not renewed: ${(error as Error).message}`);
      return;
    }
    for (const lease of leases) {
      if (renewed.has(lease.token)) lease.extend(sentAt);
      else if (this.held.get(lease.token) === lease) lease.lose('the delivery is no longer held by this worker (its lease lapsed and was released)');
    }
  }
}
