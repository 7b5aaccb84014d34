import { CanActivate, ExecutionContext, HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

const WINDOW_MS = 60_000;
/** Clients counted one by one; past it, every new client is counted under {@link OVERFLOW_CLIENT}. */
export const MAX_TRACKED_CLIENTS = 10_000;
/** The one count shared by the clients that came while the table was full (an attacker rotating addresses). */
export const OVERFLOW_CLIENT = '(overflow)';

interface Window {
  startedAt: number;
  count: number;
}

/**
 * A count per client address in fixed one-minute windows (per process), with a limit; memory and the cost of a
 * request are bounded whatever the number of clients. Windows live in a Map in the order they started (a window
 * that starts again moves to the end), so the expired ones are always at the front: each request drops the
 * expired windows there, each window is dropped once, and nothing is ever scanned. At most
 * MAX_TRACKED_CLIENTS windows are kept; a client that comes while they are all live shares the one window of
 * OVERFLOW_CLIENT, so rotating addresses buys an attacker one allowance in all, not one per address.
 *
 * Still hand-written: @nestjs/throttler's CommonJS build require()s the ESM-only @nestjs/common 12, and
 * Jest 30 fails that with ERR_REQUIRE_CYCLE_MODULE whenever the module graph has imported
 * @nestjs/common first (measured on Node 24.21 and 26.10 with --experimental-vm-modules; plain Node
 * loads it).
 */
export class PerClientWindows {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly maxClients = MAX_TRACKED_CLIENTS,
  ) {}

  /** Counts one request of `client`; returns the seconds to wait when it is over the limit. */
  hit(client: string, now = Date.now()): number | undefined {
    const window = this.window(client, now);
    window.count += 1;
    return this.retryAfter(window, now);
  }

  /** Seconds to wait when `client` is over the limit already, without counting anything. */
  blocked(client: string, now = Date.now()): number | undefined {
    this.expire(now);
    const window = this.windows.get(client) ?? (this.windows.size >= this.maxClients ? this.windows.get(OVERFLOW_CLIENT) : undefined);
    return window ? this.retryAfter(window, now) : undefined;
  }

  /** Windows kept (tests, and what the memory bound is about). */
  get size(): number {
    return this.windows.size;
  }

  private window(client: string, now: number): Window {
    this.expire(now);
    const live = this.windows.get(client);
    if (live) return live;
    const key = this.windows.size < this.maxClients ? client : OVERFLOW_CLIENT;
    // The overflow window may be the one over the cap: one more entry, never more.
    let window = this.windows.get(key);
    if (!window) {
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    return window;
  }

  /** Drops the windows that ended: they are at the front, in the order they started. */
  private expire(now: number): void {
    for (const [client, window] of this.windows) {
      if (now - window.startedAt < WINDOW_MS) return;
      this.windows.delete(client);
    }
  }

  private retryAfter(window: Window, now: number): number | undefined {
    return window.count <= this.limit ? undefined : Math.max(1, Math.ceil((window.startedAt + WINDOW_MS - now) / 1000));
  }
}

/**
 * ADMIN_RATE_LIMIT per client address and minute, three times: `requests` counts every request to the admin
 * API (AdminOnly routes), `failedLogins` every wrong admin key on any door (the admin API, the OMS intake,
 * /metrics, the queue dashboard), so the key cannot be guessed at full speed through any of them, and
 * `failedImshopKeys` every wrong IMSHOP key at the IMSHOP webhooks (the door that faces the internet).
 */
export interface AdminLimits {
  requests: PerClientWindows;
  failedLogins: PerClientWindows;
  failedImshopKeys: PerClientWindows;
}

/**
 * Nest makes one guard instance per module that uses it; the counters must be one per app (keyed by
 * the app's config object) so that every admin door draws on the same allowance.
 */
const limitsPerApp = new WeakMap<AppConfig, AdminLimits>();

export function adminLimits(config: AppConfig): AdminLimits {
  let limits = limitsPerApp.get(config);
  if (!limits) {
    limits = {
      requests: new PerClientWindows(config.adminRateLimit),
      failedLogins: new PerClientWindows(config.adminRateLimit),
      failedImshopKeys: new PerClientWindows(config.adminRateLimit),
    };
    limitsPerApp.set(config, limits);
  }
  return limits;
}

export function clientAddress(request: Pick<Request, 'ip'>): string {
  return request.ip ?? 'unknown';
}

export function tooManyRequests(response: Pick<Response, 'setHeader'>, limit: number, retryAfter: number): HttpException {
  response.setHeader('Retry-After', String(retryAfter));
  return new HttpException(`more than ${limit} admin requests or failed admin logins in a minute; retry in ${retryAfter} s`, HttpStatus.TOO_MANY_REQUESTS);
}

/** Counts every admin API request, before the key is checked (so wrong keys count too). */
@Injectable()
export class AdminRateLimitGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const retryAfter = adminLimits(this.config).requests.hit(clientAddress(http.getRequest<Request>()));
    if (retryAfter !== undefined) throw tooManyRequests(http.getResponse<Response>(), this.config.adminRateLimit, retryAfter);
    return true;
  }
}

export type KeyAttempt = { outcome: 'accepted' | 'refused' } | { outcome: 'limited'; retryAfter: number };

/**
 * For doors that check the admin key and are not rate-limited otherwise (the OMS intake, /metrics, the
 * queue dashboard): a client with more than ADMIN_RATE_LIMIT failed logins in the minute is refused
 * before its key is looked at (else the answer would still tell a right guess from a wrong one), and a
 * wrong key counts as a failed login. Accepted requests count nothing, so the OMS and Prometheus are
 * never turned away for being busy.
 */
export function attemptAdminKey(config: AppConfig, request: Pick<Request, 'ip'>, keyMatches: () => boolean): KeyAttempt {
  return attemptKey(adminLimits(config).failedLogins, request, keyMatches);
}

/** The same rule for any key: past the limit of failures the key is not looked at; a failure counts. */
export function attemptKey(failures: PerClientWindows, request: Pick<Request, 'ip'>, keyMatches: () => boolean): KeyAttempt {
  const client = clientAddress(request);
  const retryAfter = failures.blocked(client);
  if (retryAfter !== undefined) return { outcome: 'limited', retryAfter };
  if (keyMatches()) return { outcome: 'accepted' };
  failures.hit(client);
  return { outcome: 'refused' };
}
