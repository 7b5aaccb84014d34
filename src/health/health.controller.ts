import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthService } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({
    summary: 'Liveness and dependencies: 503 when the database is down; a queue outage only degrades',
    description: 'No key needed. `degraded` (still 200) when the queue is down or an outbound target is paused: webhooks are still stored.',
  })
  @ApiOkResponse({ schema: { example: { status: 'ok', checks: { database: { status: 'up', latencyMs: 2 }, queue: { status: 'up', latencyMs: 3, backend: 'postgres' }, targets: { status: 'up', paused: [] } } } } })
  @ApiServiceUnavailableResponse({ description: 'The database is unreachable' })
  async check(@Res({ passthrough: true }) response: Response) {
    const report = await this.health.check();
    if (report.status === 'error') response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
