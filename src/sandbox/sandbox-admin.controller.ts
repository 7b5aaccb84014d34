import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/admin-key.guard';
import { ListSandboxRequestsQuery, SandboxFaultDto, SandboxFaultView, SandboxRequestPage } from './dto/sandbox-admin.dto';
import { SandboxRecorder } from './sandbox-recorder.service';

@ApiTags('admin: sandbox')
@AdminOnly()
@Controller('admin/sandbox')
export class SandboxAdminController {
  constructor(private readonly recorder: SandboxRecorder) {}

  @Get('requests')
  @ApiOperation({
    summary: 'What the sandbox peers received, newest first',
    description: 'Peer, method, path, headers and body as received (keys and tokens masked), the answer given, the fault that shaped it, and when.',
  })
  @ApiOkResponse({ type: SandboxRequestPage })
  requests(@Query() query: ListSandboxRequestsQuery) {
    return this.recorder.listRequests(query);
  }

  @Post('faults')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Make a sandbox peer misbehave for its next N requests: an HTTP status, a delay, or no answer',
    description:
      'To watch retries, dead deliveries, pausing and recovery by hand. A new fault for a peer replaces the one waiting; the faults live in the process that serves the peer.',
  })
  @ApiBody({
    type: SandboxFaultDto,
    examples: {
      imshopDown: { summary: 'IMSHOP answers 503 three times', value: { peer: 'imshop', count: 3, status: 503 } },
      marketSlow: { summary: 'Market answers after 3 s', value: { peer: 'market', count: 1, delayMs: 3000 } },
      imshopSilent: { summary: 'IMSHOP never answers (the call times out)', value: { peer: 'imshop', count: 1, noAnswer: true } },
    },
  })
  @ApiOkResponse({ type: SandboxFaultView })
  @ApiBadRequestResponse({
    schema: { example: { statusCode: 400, error: 'Bad Request', message: ['give status, delayMs or noAnswer: what should the peer do?'] } },
  })
  setFault(@Body() dto: SandboxFaultDto): SandboxFaultView {
    return this.recorder.setFault(dto);
  }

  @Get('faults')
  @ApiOperation({ summary: 'The faults still waiting', description: 'One per peer, with the requests it still applies to.' })
  @ApiOkResponse({ type: SandboxFaultView, isArray: true })
  faults(): SandboxFaultView[] {
    return this.recorder.listFaults();
  }

  @Delete('faults')
  @HttpCode(204)
  @ApiOperation({ summary: 'Clear every waiting fault', description: 'The peers answer normally again from the next request on.' })
  @ApiNoContentResponse({ description: 'Cleared' })
  clearFaults(): void {
    this.recorder.clearFaults();
  }
}
