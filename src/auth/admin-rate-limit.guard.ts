import { CanActivate, ExecutionContext, HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

const WINDOW_MS = 60_000;

type Windows = Map<string, { startedAt: number; count: number }>;

/**
 * Nest makes one guard instance per module that uses it; the counters must be one per app (keyed by
 * the app's config object) so that every admin controller draws on the same allowance.
 */
const windowsPerApp = new WeakMap<AppConfig, Windows>();

/**
 * ADMIN_RATE_LIMIT requests per minute per client address on the admin API (fixed one-minute
 * windows, per process). @nestjs/throttler would do the same, but its CommonJS build requires the
 * ESM-only @nestjs/common 12, which Jest cannot load on Node 20.
 */
@Injectable()
export class AdminRateLimitGuard implements CanActivate {
  private readonly windows: Windows;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.windows = windowsPerApp.get(config) ?? new Map();
    windowsPerApp.set(config, this.windows);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const now = Date.now();
    const client = request.ip ?? 'unknown';
    let window = this.windows.get(client);
    if (!window || now - window.startedAt >= WINDOW_MS) {
      if (this.windows.size > 10_000) this.forgetOldWindows(now);
      window = { startedAt: now, count: 0 };
      this.windows.set(client, window);
    }
    window.count += 1;
    if (window.count <= this.config.adminRateLimit) return true;
    const retryAfter = Math.ceil((window.startedAt + WINDOW_MS - now) / 1000);
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
    throw new HttpException(`more than ${this.config.adminRateLimit} admin requests in a minute; retry in ${retryAfter} s`, HttpStatus.TOO_MANY_REQUESTS);
  }

  private forgetOldWindows(now: number): void {
    for (const [client, window] of this.windows) if (now - window.startedAt >= WINDOW_MS) this.windows.delete(client);
  }
}
