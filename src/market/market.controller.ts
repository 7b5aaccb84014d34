import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiInternalServerErrorResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { recordWebhookOutcome } from '../metrics/webhook-metrics.middleware';
import { exampleOf } from '../common/swagger-example';
import { JsonSyntaxError, parseJsonLossless } from '../common/lossless-json';
import { unsafeJsonProblem } from '../common/json-guard';
import { MARKET_NOTIFICATION_DTO_CLASSES } from './dto';
import { MarketNotificationAnswer, MarketNotificationError } from './dto/market-answer.dto';
import { MarketProblem } from './market-answer';
import { MarketNotificationService } from './market-notification.service';

const DTO_CLASSES = Object.values(MARKET_NOTIFICATION_DTO_CLASSES);
const EXAMPLES = Object.fromEntries(Object.entries(MARKET_NOTIFICATION_DTO_CLASSES).map(([type, dto]) => [type, { summary: type, value: exampleOf(dto) }]));

@ApiTags('Yandex Market')
@ApiExtraModels(...DTO_CLASSES)
@Controller('market')
export class MarketController {
  constructor(private readonly market: MarketNotificationService) {}

  /**
   * Market appends `/notification` to the URL registered in its cabinet (one integrator saw it do so
   * with a live PING), so both the base and the full path are served.
   */
  @Post(['notification', ''])
  @HttpCode(200)
  @ApiOperation({
    summary: 'Yandex Market notification (register https://<host>/market in the Market cabinet)',
    description:
      'Stored with its effect on the order before the 200 answer. A repeat of a stored event answers 200 and changes nothing. ' +
      'Requests from outside MARKET_ALLOWED_CIDRS get 403.',
  })
  @ApiBody({ schema: { oneOf: DTO_CLASSES.map((dto) => ({ $ref: getSchemaPath(dto) })) }, examples: EXAMPLES })
  @ApiOkResponse({ type: MarketNotificationAnswer, description: 'Stored (or a repeat of a stored one)' })
  @ApiBadRequestResponse({
    type: MarketNotificationError,
    description: 'The notification is wrong in itself (Market does not send it again): a required field missing or mistyped, broken JSON',
    example: { error: { type: 'WRONG_EVENT_FORMAT', message: 'orderId is required' } },
  })
  @ApiForbiddenResponse({
    type: MarketNotificationError,
    description: 'The caller is outside MARKET_ALLOWED_CIDRS',
    example: { error: { type: 'UNKNOWN', message: 'source address 10.1.2.3 is not allowed' } },
  })
  @ApiInternalServerErrorResponse({
    type: MarketNotificationError,
    description: 'Not stored (e.g. the database is unreachable): Market sends it again',
    example: { error: { type: 'UNKNOWN', message: 'the notification was not stored; please retry' } },
  })
  async notification(@Req() request: Request, @Res({ passthrough: true }) res: Response) {
    const receipt = await this.market.receive(readJsonBody(request));
    recordWebhookOutcome(res, { type: receipt.type, outcome: receipt.outcome });
    return receipt.answer;
  }
}

/** The /market body arrives raw so that int64 ids are parsed without rounding. */
function readJsonBody(request: Request): unknown {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
    throw MarketProblem.wrongFormat(`Content-Type must be application/json (got ${type ? `"${type}"` : 'none'})`);
  }
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  if (raw.length === 0) throw MarketProblem.wrongFormat('body is empty');
  let body: unknown;
  try {
    body = parseJsonLossless(raw.toString('utf8'));
  } catch (error) {
    if (error instanceof JsonSyntaxError || error instanceof SyntaxError) throw MarketProblem.wrongFormat(`body: malformed JSON (${error.message})`);
    throw error;
  }
  const problem = unsafeJsonProblem(body);
  if (problem) throw MarketProblem.wrongFormat(problem);
  return body;
}
