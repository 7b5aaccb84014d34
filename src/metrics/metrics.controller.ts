import { Controller, Get, Inject, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ADMIN_BEARER_SECURITY_SCHEME, ADMIN_SECURITY_SCHEME, METRICS_TOKEN_SECURITY_SCHEME, presentedKey } from '../auth/admin-key.guard';
import { attemptAdminKey, tooManyRequests } from '../auth/admin-rate-limit.guard';
import { secretsEqual } from '../auth/constant-time';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  // Method decorators apply bottom-up: the document lists admin-key first.
  @ApiSecurity(METRICS_TOKEN_SECURITY_SCHEME)
  @ApiSecurity(ADMIN_BEARER_SECURITY_SCHEME)
  @ApiSecurity(ADMIN_SECURITY_SCHEME)
  @ApiOperation({
    summary: 'Prometheus metrics (admin key, or METRICS_TOKEN as a Bearer token)',
    description: 'Webhook, delivery, queue, reconciliation and process metrics in the Prometheus text format.',
  })
  @ApiOkResponse({
    description: 'Prometheus text format',
    content: {
      'text/plain': {
        schema: { type: 'string', example: 'order_sync_webhook_requests_total{endpoint="market",type="ORDER_STATUS_UPDATED",outcome="applied"} 1' },
      },
    },
  })
  @ApiUnauthorizedResponse({ description: 'Neither the admin key nor METRICS_TOKEN' })
  @ApiTooManyRequestsResponse({ description: 'More than ADMIN_RATE_LIMIT failed admin logins from this address in a minute' })
  async scrape(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<string> {
    const key = presentedKey(request);
    const attempt = attemptAdminKey(
      this.config,
      request,
      () => secretsEqual(key, this.config.adminApiKey) || (this.config.metricsToken !== undefined && secretsEqual(key, this.config.metricsToken)),
    );
    if (attempt.outcome === 'limited') throw tooManyRequests(response, this.config.adminRateLimit, attempt.retryAfter);
    if (attempt.outcome === 'refused') throw new UnauthorizedException('metrics need the admin key or METRICS_TOKEN');
    // Set here, not with @Header: that would label the JSON of a 401 or 429 as text too.
    response.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    return this.metrics.registry.metrics();
  }
}
