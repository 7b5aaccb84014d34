import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { recordWebhookOutcome } from '../metrics/webhook-metrics.middleware';
import { ApiBadRequestResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ImshopOnly } from '../auth/imshop-key.guard';
import { AppCancellationService } from './app-cancellation.service';
import { AppCancellationDto, AppCancellationResponse } from './dto/app-cancellation.dto';
import { APP_CANCELLATION_EXAMPLES } from './dto/swagger-examples';

/** IMSHOP app → us: "Статус заказа изменяется со стороны мобильного приложения" (seed 001). */
@ApiTags('IMSHOP')
@Controller('imshop/orders')
export class AppCancellationController {
  constructor(private readonly cancellations: AppCancellationService) {}

  @Post('cancel')
  @HttpCode(200)
  @ImshopOnly()
  @ApiOperation({
    summary: 'Buyer cancels an order in the IMSHOP app',
    description:
      'Accepts the seed shape `{uuid, internalId, reason}` and the newer `{id, status: "canceled", reason}`. An order still in the ' +
      'store is cancelled (history keeps the reason) and its open tickets are withdrawn through IMSHOP; the answer carries both ' +
      '`newStatus`/`newMessage` and `status`/`message`. An order handed to delivery, delivered or unknown gets `success: false` ' +
      'with the reason in Russian. A repeat answers the same and changes nothing.',
  })
  @ApiBody({ type: AppCancellationDto, examples: APP_CANCELLATION_EXAMPLES })
  @ApiOkResponse({
    type: AppCancellationResponse,
    examples: {
      cancelled: {
        summary: 'cancelled',
        value: { success: true, newStatus: 'canceled', newMessage: 'Заказ отменён', status: 'canceled', message: 'Заказ отменён' },
      },
      refused: {
        summary: 'refused',
        value: {
          success: false,
          newMessage: 'Заказ уже передан в доставку, отменить его нельзя',
          message: 'Заказ уже передан в доставку, отменить его нельзя',
        },
      },
      unknown: { summary: 'unknown order', value: { success: false, newMessage: 'Заказ не найден', message: 'Заказ не найден' } },
    },
  })
  @ApiBadRequestResponse({
    schema: { example: { statusCode: 400, error: 'Bad Request', message: ['id is required (or uuid / internalId in the older request shape)'] } },
  })
  async cancel(@Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<AppCancellationResponse> {
    const answer = await this.cancellations.cancel(body);
    recordWebhookOutcome(res, { type: 'cancel', outcome: answer.success ? 'cancelled' : 'refused' });
    return answer;
  }
}
