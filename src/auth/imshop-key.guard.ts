import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { adminLimits, attemptKey } from './admin-rate-limit.guard';
import { secretsEqual } from './constant-time';

export const IMSHOP_SECURITY_SCHEME = 'imshop-key';
/** The body property IMSHOP may carry its key in, instead of `Authorization: Bearer`. */
export const IMSHOP_BODY_KEY = 'key';

/**
 * IMSHOP's protocol carries the retailer's key on every call, as `Authorization: Bearer <key>` or as
 * `key` in the JSON body. Without a configured key every IMSHOP call is refused. Like the admin key, it cannot
 * be guessed at full speed: past ADMIN_RATE_LIMIT wrong keys from an address in a minute, that address gets 429
 * before its key is looked at (so a right guess cannot be told from a wrong one); right keys count nothing.
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
    const attempt = attemptKey(adminLimits(this.config).failedImshopKeys, request, () => secretsEqual(bearer ?? inBody, expected));
    if (attempt.outcome === 'limited') {
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(attempt.retryAfter));
      throw new HttpException(
        `more than ${this.config.adminRateLimit} wrong IMSHOP keys from this address in a minute; retry in ${attempt.retryAfter} s`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    if (attempt.outcome === 'refused') throw new UnauthorizedException('IMSHOP key required: Authorization: Bearer <key> or "key" in the body');
    return true;
  }
}

export function ImshopOnly(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(ImshopKeyGuard),
    ApiBearerAuth(IMSHOP_SECURITY_SCHEME),
    ApiUnauthorizedResponse({ description: 'Missing or wrong IMSHOP key' }),
    ApiTooManyRequestsResponse({ description: 'More than ADMIN_RATE_LIMIT wrong IMSHOP keys from this address in a minute' }),
  );
}
