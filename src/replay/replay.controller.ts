import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Actor, AdminOnly } from '../auth/admin-key.guard';
import { ParseBigintIdPipe } from '../common/parse-bigint-id.pipe';
import { ReplayEventsDto, ReplayRunView } from './dto/replay-events.dto';
import { ReplayService } from './replay.service';

@ApiTags('admin: replay')
@AdminOnly()
@Controller('admin/events/replay')
export class ReplayController {
  constructor(private readonly replay: ReplayService) {}

  @Post()
  @ApiOperation({
    summary: 'Re-process stored inbound events (Market or IMSHOP tickets) through the live code path, e.g. after fixing a mapping row',
    description:
      'Select by `ids` or by `since`/`until` (received time). Dedupe and latest-event-time-wins hold: a replay never moves an order back, ' +
      'and the same replay again (same mapping revision) changes nothing. Up to REPLAY_SYNC_LIMIT events answer 200 with the counts; ' +
      'more answer 202 at once and run in the background (progress at GET /admin/events/replay/:id).',
  })
  @ApiBody({
    type: ReplayEventsDto,
    examples: {
      range: { summary: 'a day of Market notifications', value: { source: 'market', since: '2026-11-24T00:00:00Z', until: '2026-11-25T00:00:00Z' } },
      ids: { summary: 'chosen IMSHOP ticket events', value: { source: 'imshop_ticket', ids: ['1', '2'] } },
    },
  })
  @ApiOkResponse({
    type: ReplayRunView,
    description: 'Done: counts matched, applied, unchanged, failed (outcomes breaks unchanged down: stale, duplicate, ...)',
  })
  @ApiAcceptedResponse({ type: ReplayRunView, description: 'Started in the background: poll GET /admin/events/replay/:id' })
  async start(@Body() dto: ReplayEventsDto, @Actor() actor: string, @Res({ passthrough: true }) response: Response) {
    const run = await this.replay.start(dto, actor);
    if (run.state === 'running') response.status(202);
    else response.status(200);
    return run;
  }

  @Get()
  @ApiOperation({
    summary: 'The latest replay runs, newest first',
    description: 'Who started each run, when, with which mapping revision, and its state and counts.',
  })
  @ApiOkResponse({ type: ReplayRunView, isArray: true })
  list() {
    return this.replay.list();
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One replay run: state (running, done, failed, interrupted), progress (processed of matched) and counts',
    description:
      'A run larger than REPLAY_SYNC_LIMIT goes on in the background of the process that took it: poll this until `state` is done, failed or interrupted (replaying again is safe).',
  })
  @ApiParam({ name: 'id', example: '1' })
  @ApiOkResponse({ type: ReplayRunView })
  @ApiNotFoundResponse({ description: 'No such run' })
  get(@Param('id', ParseBigintIdPipe) id: string) {
    return this.replay.get(id);
  }
}
