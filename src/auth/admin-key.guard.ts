import { applyDecorators, CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ApiSecurity, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { adminLimits, AdminRateLimitGuard, attemptAdminKey, clientAddress, tooManyRequests } from './admin-rate-limit.guard';
import type { NextFunction, Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { secretsEqual } from './constant-time';

/** The admin key's two forms in the OpenAPI description: `X-Api-Key`, and `Authorization: Bearer` (presentedKey). */
export const ADMIN_SECURITY_SCHEME = 'admin-key';
export const ADMIN_BEARER_SECURITY_SCHEME = 'admin-bearer';
/** METRICS_TOKEN as `Authorization: Bearer`, for GET /metrics only. */
export const METRICS_TOKEN_SECURITY_SCHEME = 'metrics-token';

export function presentedKey(request: Pick<Request, 'headers'>): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length).trim();
  return undefined;
}

/**
 * For pages a browser opens (the queue dashboard), where no header can be set by hand: the key is
 * also accepted as the password of HTTP Basic authentication, and the browser is asked for it.
 */
export function adminKeyMiddleware(config: AppConfig) {
  return (req: Request, res: Response, next: NextFunction) => {
    const authorization = req.headers.authorization ?? '';
    const basic = authorization.startsWith('Basic ') ? Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':').slice(1).join(':') : undefined;
    const attempt = attemptAdminKey(config, req, () => secretsEqual(presentedKey(req) ?? basic, config.adminApiKey));
    if (attempt.outcome === 'accepted') return next();
    if (attempt.outcome === 'limited') {
      const error = tooManyRequests(res, config.adminRateLimit, attempt.retryAfter);
      res.status(error.getStatus()).json({ statusCode: error.getStatus(), message: error.message });
      return;
    }
    res.setHeader('WWW-Authenticate', 'Basic realm="order-sync admin", charset="UTF-8"');
    res.status(401).json({ statusCode: 401, message: 'admin key required: X-Api-Key, Authorization: Bearer, or the key as the Basic password' });
  };
}

@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!secretsEqual(presentedKey(request), this.config.adminApiKey)) {
      // a failed login: it also counts on the doors that are not rate-limited otherwise
      adminLimits(this.config).failedLogins.hit(clientAddress(request));
      throw new UnauthorizedException('admin key required: send it in X-Api-Key or Authorization: Bearer');
    }
    return true;
  }
}

/** The admin key on a door that is not rate-limited itself: see attemptAdminKey. */
@Injectable()
export class AdminKeyIntakeGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const attempt = attemptAdminKey(this.config, request, () => secretsEqual(presentedKey(request), this.config.adminApiKey));
    if (attempt.outcome === 'limited') throw tooManyRequests(http.getResponse<Response>(), this.config.adminRateLimit, attempt.retryAfter);
    if (attempt.outcome === 'refused') throw new UnauthorizedException('admin key required: send it in X-Api-Key or Authorization: Bearer');
    return true;
  }
}

/**
 * Marks a controller or route as admin-only, for the guards and for Swagger alike. The rate limit
 * comes first, so failed logins count too.
 */
export function AdminOnly(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(AdminRateLimitGuard, AdminKeyGuard),
    ApiTooManyRequestsResponse({ description: 'More than ADMIN_RATE_LIMIT admin requests (wrong keys included) from this address in a minute' }),
    ApiSecurity(ADMIN_SECURITY_SCHEME),
    ApiSecurity(ADMIN_BEARER_SECURITY_SCHEME),
    ApiUnauthorizedResponse({ description: 'Missing or wrong admin key' }),
  );
}

/**
 * The admin key without the admin rate limit: for machine-to-machine intake (the OMS reporting its
 * statuses), which must never be turned away for being busy. Wrong keys still count (see attemptAdminKey).
 */
export function AdminKeyIntake(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(AdminKeyIntakeGuard),
    ApiTooManyRequestsResponse({ description: 'More than ADMIN_RATE_LIMIT failed admin logins from this address in a minute' }),
    ApiSecurity(ADMIN_SECURITY_SCHEME),
    ApiSecurity(ADMIN_BEARER_SECURITY_SCHEME),
    ApiUnauthorizedResponse({ description: 'Missing or wrong admin key' }),
  );
}

/** A name for audit rows from what a person typed: letters, digits and `@._ -`, at most 64 characters ('' when none is left). */
export function actorName(raw: unknown): string {
  return typeof raw === 'string'
    ? raw
        .replace(/[^\p{L}\p{N}@._ -]/gu, '')
        .trim()
        .slice(0, 64)
    : '';
}

/** Who made an admin change, for audit rows: the optional X-Actor header, else "admin". */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  return actorName(context.switchToHttp().getRequest<Request>().headers['x-actor']) || 'admin';
});
