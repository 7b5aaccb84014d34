import { applyDecorators, CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { secretsEqual } from './constant-time';

export const ADMIN_SECURITY_SCHEME = 'admin-key';

export function presentedKey(request: Request): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length).trim();
  return undefined;
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
    UseGuards(AdminKeyGuard),
    ApiSecurity(ADMIN_SECURITY_SCHEME),
    ApiUnauthorizedResponse({ description: 'Missing or wrong admin key' }),
  );
}

/** Who made an admin change, for audit rows: the optional X-Actor header, else "admin". */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const header = context.switchToHttp().getRequest<Request>().headers['x-actor'];
  const actor = typeof header === 'string' ? header.replace(/[^\p{L}\p{N}@._ -]/gu, '').trim().slice(0, 64) : '';
  return actor || 'admin';
});
