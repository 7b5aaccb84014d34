import { applyDecorators, CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { secretsEqual } from './constant-time';

export const IMSHOP_SECURITY_SCHEME = 'imshop-key';
/** The body property IMSHOP may carry its key in, instead of `Authorization: Bearer`. */
export const IMSHOP_BODY_KEY = 'key';

/**
 * IMSHOP's protocol carries the retailer's key on every call, as `Authorization: Bearer <key>` or as
 * `key` in the JSON body. Without a configured key every IMSHOP call is refused.
 */
@Injectable()
export class ImshopKeyGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const expected = this.config.imshop.webhookKey;
    if (!expected) throw new UnauthorizedException('the IMSHOP integration is not configured (IMSHOP_API_KEY / IMSHOP_WEBHOOK_KEY)');
    const authorization = request.headers.authorization;
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : undefined;
    const body = request.body as Record<string, unknown> | undefined;
    const inBody = body && typeof body === 'object' && typeof body[IMSHOP_BODY_KEY] === 'string' ? body[IMSHOP_BODY_KEY] : undefined;
    if (!secretsEqual(bearer ?? inBody, expected)) {
      throw new UnauthorizedException('IMSHOP key required: Authorization: Bearer <key> or "key" in the body');
    }
    return true;
  }
}

export function ImshopOnly(): ClassDecorator & MethodDecorator {
  return applyDecorators(UseGuards(ImshopKeyGuard), ApiBearerAuth(IMSHOP_SECURITY_SCHEME), ApiUnauthorizedResponse({ description: 'Missing or wrong IMSHOP key' }));
}
