import { Body, Controller, HttpCode, Post, Res, UsePipes, ValidationPipe } from '@nestjs/common';
import type { Response } from 'express';
import { recordWebhookOutcome } from '../metrics/webhook-metrics.middleware';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminKeyIntake } from '../auth/admin-key.guard';
import { OrderStatusUpdateDto, OrderStatusUpdateResponse } from './dto/order-status-update.dto';
import { ImshopSyncService } from './imshop-sync.service';

@ApiTags('retailer OMS')
@AdminKeyIntake()
@Controller('orders')
export class OmsStatusController {
  constructor(private readonly sync: ImshopSyncService) {}

  /** Same request and answer as IMSHOP's status sync API, so an OMS can be pointed here unchanged. */
  @Post('status')
  @HttpCode(200)
  // IMSHOP's request may carry fields of later protocol versions (or its `key`): tolerated, not rejected.
  @UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: false, transform: true }))
  @ApiOperation({
    summary: 'The OMS reports an order status in IMSHOP\'s request shape; it is recorded and relayed to IMSHOP reliably',
    description: 'An OMS code without a mapping row leaves the internal status as it is, is kept in history and is still relayed.',
  })
  @ApiOkResponse({ type: OrderStatusUpdateResponse })
  async report(@Body() dto: OrderStatusUpdateDto, @Res({ passthrough: true }) res: Response) {
    const answer = await this.sync.reportOmsStatus(dto);
    recordWebhookOutcome(res, { type: dto.code, outcome: answer.outcome });
    return answer;
  }
}
