import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthReportView } from './dto/health-report.view';
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
  @ApiOkResponse({ type: HealthReportView, description: 'ok, or degraded (the queue is down or a target is paused)' })
  @ApiServiceUnavailableResponse({ type: HealthReportView, description: 'The database is unreachable (status error)' })
  async check(@Res({ passthrough: true }) response: Response) {
    const report = await this.health.check();
    if (report.status === 'error') response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
