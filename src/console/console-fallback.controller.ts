import { All, Controller, NotFoundException, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ConsoleErrorFilter } from './console-error.filter';
import { ConsoleSessionGuard } from './console-session.guard';

/** Any other path under /console: a page saying so (after the session check, so nothing is told to a stranger). */
@ApiExcludeController()
@UseFilters(ConsoleErrorFilter)
@UseGuards(ConsoleSessionGuard)
@Controller('console')
export class ConsoleFallbackController {
  @All('*path')
  notFound(): never {
    throw new NotFoundException('There is no such page in the console.');
  }
}
