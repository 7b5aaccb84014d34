import { BadRequestException, Controller, Get, HttpCode, Param, PipeTransform, Post } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { TargetView } from './dto/delivery.view';
import { Actor, AdminOnly } from '../auth/admin-key.guard';
import { TargetsService } from './targets.service';

/** Target names are short identifiers (imshop, market, market_cancel, ...). */
class ParseTargetPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[a-z][a-z0-9_]{0,15}$/.test(value))
      throw new BadRequestException([`target must be a target name like imshop or market (got "${value.slice(0, 40)}")`]);
    return value;
  }
}

@ApiTags('admin: targets')
@AdminOnly()
@Controller('admin/targets')
export class TargetsController {
  constructor(private readonly targets: TargetsService) {}

  @Get()
  @ApiOperation({ summary: 'Outbound targets: paused or not (and why), failing since, last success, waiting and dead deliveries' })
  @ApiOkResponse({ type: TargetView, isArray: true })
  list() {
    return this.targets.targets();
  }

  @Post(':target/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause a target by hand: its deliveries wait as they are (no attempts) until it is resumed; the probe leaves it alone' })
  @ApiParam({ name: 'target', example: 'imshop' })
  @ApiOkResponse({ type: TargetView })
  @ApiNotFoundResponse({ description: 'No such target' })
  pause(@Param('target', ParseTargetPipe) target: string, @Actor() actor: string) {
    return this.targets.pauseTarget(target, actor);
  }

  @Post(':target/resume')
  @HttpCode(200)
  @ApiOperation({ summary: "Resume a paused target (by hand or automatically paused): its waiting deliveries are queued, each order's newest only" })
  @ApiParam({ name: 'target', example: 'imshop' })
  @ApiOkResponse({ type: TargetView })
  @ApiNotFoundResponse({ description: 'No such target' })
  resume(@Param('target', ParseTargetPipe) target: string, @Actor() actor: string) {
    return this.targets.resumeTarget(target, actor);
  }
}
