import { ConflictException, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/admin-key.guard';
import { RetentionReportView } from './dto/retention-report.view';
import { RetentionService } from './retention.service';

@ApiTags('admin: retention')
@AdminOnly()
@Controller('admin/retention')
export class RetentionController {
  constructor(private readonly retention: RetentionService) {}

  @Post('run')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run the retention job now (it also runs every RETENTION_INTERVAL_MS on the workers); answers what it deleted per table',
    description:
      'Deletes old inbound events, delivery attempts, finished deliveries that are not the latest of their order and target, and finished replay runs, in batches of RETENTION_BATCH_SIZE.',
  })
  @ApiOkResponse({ type: RetentionReportView, description: 'What was deleted, per table' })
  @ApiConflictResponse({ description: 'Another instance is running it right now' })
  async run() {
    const report = await this.retention.run();
    if (!report.ran) throw new ConflictException('the retention job is running in another instance; try again later');
    return report;
  }
}
