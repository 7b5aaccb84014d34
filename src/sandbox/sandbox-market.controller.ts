import { Controller, Get, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiDefaultResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { MarketAcceptCancellationDto, MarketGetBusinessOrdersDto, MarketUpdateOrderStatusDto } from './dto/market-peer.dto';
import { SandboxMarketErrorBody } from './dto/sandbox-admin.dto';
import { servePeer } from './sandbox-peer-http';
import { SandboxMarket } from './sandbox-market.service';
import { SandboxRecorder } from './sandbox-recorder.service';

export const SANDBOX_MARKET_SECURITY_SCHEME = 'sandbox-market-key';

const campaignParam = ApiParam({ name: 'campaignId', example: '21683701' });
const orderParam = ApiParam({ name: 'orderId', example: '46830651' });

/**
 * The sandbox Market: the partner API methods order-sync calls, where MARKET_API_URL and MARKET_API_KEY were left
 * unset. It knows the orders from the notifications sent to POST /market (in the sandbox, whoever sends them plays
 * Market) and from what the shop told it since.
 */
@ApiTags('sandbox: Yandex Market')
@ApiSecurity(SANDBOX_MARKET_SECURITY_SCHEME)
@ApiBadRequestResponse({ type: SandboxMarketErrorBody, description: 'A field is wrong, or the order cannot take the change (the message says why)' })
@ApiUnauthorizedResponse({ type: SandboxMarketErrorBody, description: 'No Api-Key header' })
@ApiForbiddenResponse({ type: SandboxMarketErrorBody, description: 'Not the sandbox Market key' })
@ApiNotFoundResponse({ type: SandboxMarketErrorBody, description: 'The sandbox Market does not know the order (send its ORDER_CREATED first)' })
@ApiDefaultResponse({ type: SandboxMarketErrorBody, description: 'A fault set by POST /admin/sandbox/faults: its status, with the partner API error body' })
@Controller('sandbox/market')
export class SandboxMarketController {
  constructor(
    private readonly recorder: SandboxRecorder,
    private readonly market: SandboxMarket,
  ) {}

  @Put('v2/campaigns/:campaignId/orders/:orderId/status')
  @ApiOperation({
    summary: 'Sandbox Market: updateOrderStatus',
    description: 'Accepts the status changes Market lets a DBS shop make and keeps them on the order.',
  })
  @campaignParam
  @orderParam
  @ApiBody({
    type: MarketUpdateOrderStatusDto,
    examples: { readyToShip: { summary: 'assembled', value: { order: { status: 'PROCESSING', substatus: 'READY_TO_SHIP' } } } },
  })
  @ApiOkResponse({ schema: { type: 'object', properties: {}, example: {} } })
  status(@Param('campaignId') campaignId: string, @Param('orderId') orderId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return servePeer(this.recorder, 'market', req, res, {
      refusal: () => this.market.marketRefusal(apiKey(req)),
      answer: () => this.market.marketUpdateStatus(campaignId, orderId, req.body),
    });
  }

  @Put('v2/campaigns/:campaignId/orders/:orderId/cancellation/accept')
  @ApiOperation({
    summary: 'Sandbox Market: acceptOrderCancellation',
    description: 'The answer to a buyer cancellation request (ORDER_CANCELLATION_REQUEST); accepted cancels the order.',
  })
  @campaignParam
  @orderParam
  @ApiBody({ type: MarketAcceptCancellationDto, examples: { accept: { summary: 'accept', value: { accepted: true } } } })
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', enum: ['OK'] } }, required: ['status'], example: { status: 'OK' } } })
  cancellation(@Param('campaignId') campaignId: string, @Param('orderId') orderId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return servePeer(this.recorder, 'market', req, res, {
      refusal: () => this.market.marketRefusal(apiKey(req)),
      answer: () => this.market.marketAnswerCancellation(campaignId, orderId, req.body),
    });
  }

  @Post('v1/businesses/:businessId/orders')
  @ApiOperation({
    summary: 'Sandbox Market: getBusinessOrders',
    description: 'The orders this sandbox Market knows, by order ids, campaigns and update dates, 50 a page (paging.nextPageToken).',
  })
  @ApiParam({ name: 'businessId', example: '9876543' })
  @ApiQuery({ name: 'limit', required: false, example: 50 })
  @ApiQuery({ name: 'pageToken', required: false, example: 'NTA' })
  @ApiBody({ type: MarketGetBusinessOrdersDto, examples: { one: { summary: 'one order', value: { orderIds: [46830651], campaignIds: [21683701] } } } })
  @ApiOkResponse({
    description: "The partner API's `GetBusinessOrdersResponse`: `{orders: BusinessOrderDTO[], paging?}` (the orders as Market's spec describes them)",
    schema: {
      type: 'object',
      properties: {
        orders: { type: 'array', items: { type: 'object', additionalProperties: true } },
        paging: { type: 'object', properties: { nextPageToken: { type: 'string' } } },
      },
      required: ['orders'],
      example: {
        orders: [
          { orderId: 46830651, campaignId: 21683701, status: 'PROCESSING', substatus: 'STARTED', fake: true, items: [{ offerId: 'SKU-12345', count: 2 }] },
        ],
      },
    },
  })
  orders(
    @Param('businessId') businessId: string,
    @Query() query: { limit?: string; pageToken?: string },
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return servePeer(this.recorder, 'market', req, res, {
      refusal: () => this.market.marketRefusal(apiKey(req)),
      answer: () => this.market.marketBusinessOrders(businessId, query, req.body),
    });
  }

  @Get('v2/campaigns/:campaignId/orders/:orderId/buyer')
  @ApiOperation({ summary: 'Sandbox Market: getOrderBuyerInfo', description: "The buyer's name and phone, given from PROCESSING on (a made-up buyer)." })
  @campaignParam
  @orderParam
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['OK'] },
        result: {
          type: 'object',
          properties: { type: { type: 'string' }, firstName: { type: 'string' }, lastName: { type: 'string' }, phone: { type: 'string' } },
        },
      },
      required: ['status', 'result'],
      example: { status: 'OK', result: { type: 'PERSON', firstName: 'Пётр', lastName: 'Иванов', phone: '+79990001122' } },
    },
  })
  buyer(@Param('campaignId') campaignId: string, @Param('orderId') orderId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return servePeer(this.recorder, 'market', req, res, {
      refusal: () => this.market.marketRefusal(apiKey(req)),
      answer: () => this.market.marketBuyer(campaignId, orderId),
    });
  }
}

function apiKey(req: Request): string | undefined {
  const value = req.headers['api-key'];
  return typeof value === 'string' && value ? value : undefined;
}
