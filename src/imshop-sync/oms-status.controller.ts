import { BadRequestException, Body, Controller, Headers, HttpCode, Post, Res, UsePipes, ValidationPipe } from '@nestjs/common';
import type { Response } from 'express';
import { recordWebhookOutcome } from '../metrics/webhook-metrics.middleware';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminKeyIntake } from '../auth/admin-key.guard';
import { OmsStatusAnswer, OrderStatusUpdateDto } from './dto/order-status-update.dto';
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
    summary: "The OMS reports an order status in IMSHOP's request shape; it is recorded and relayed to IMSHOP reliably",
    description:
      'An OMS code without a mapping row leaves the internal status as it is, is kept in history and is still relayed. ' +
      "IMSHOP's request has no event id, so a resend after a lost answer would be relayed again: send an Idempotency-Key " +
      '(one per status change) and a repeat answers 200 with outcome "duplicate" and changes and relays nothing.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'One per status change, up to 200 characters', example: 'oms-a7878969-processing-1' })
  @ApiOkResponse({ type: OmsStatusAnswer })
  async report(@Body() dto: OrderStatusUpdateDto, @Headers('idempotency-key') idempotencyKey: string | undefined, @Res({ passthrough: true }) res: Response) {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) {
      throw new BadRequestException(['Idempotency-Key must be 1-200 printable ASCII characters without spaces']);
    }
    const answer = await this.sync.reportOmsStatus(dto, idempotencyKey);
    recordWebhookOutcome(res, { type: dto.code, outcome: answer.outcome });
    return answer;
  }
}
