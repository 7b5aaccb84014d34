import { applyDecorators, CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ApiSecurity, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminRateLimitGuard } from './admin-rate-limit.guard';
import type { NextFunction, Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { secretsEqual } from './constant-time';

export const ADMIN_SECURITY_SCHEME = 'admin-key';

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
export function adminKeyMiddleware(adminApiKey: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const authorization = req.headers.authorization ?? '';
    const basic = authorization.startsWith('Basic ') ? Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':').slice(1).join(':') : undefined;
    if (secretsEqual(presentedKey(req) ?? basic, adminApiKey)) return next();
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
      throw new UnauthorizedException('admin key required: send it in X-Api-Key or Authorization: Bearer');
    }
    return true;
  }
}

/** Marks a controller or route as admin-only, for the guard and for Swagger alike. */
export function AdminOnly(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(AdminKeyGuard, AdminRateLimitGuard),
    ApiTooManyRequestsResponse({ description: 'More than ADMIN_RATE_LIMIT admin requests in a minute' }),
    ApiSecurity(ADMIN_SECURITY_SCHEME),
    ApiUnauthorizedResponse({ description: 'Missing or wrong admin key' }),
  );
}

/**
 * The admin key without the admin rate limit: for machine-to-machine intake (the OMS reporting its
 * statuses), which must never be turned away for being busy.
 */
export function AdminKeyIntake(): ClassDecorator & MethodDecorator {
  return applyDecorators(UseGuards(AdminKeyGuard), ApiSecurity(ADMIN_SECURITY_SCHEME), ApiUnauthorizedResponse({ description: 'Missing or wrong admin key' }));
}

/** Who made an admin change, for audit rows: the optional X-Actor header, else "admin". */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const header = context.switchToHttp().getRequest<Request>().headers['x-actor'];
  const actor = typeof header === 'string' ? header.replace(/[^\p{L}\p{N}@._ -]/gu, '').trim().slice(0, 64) : '';
  return actor || 'admin';
});
