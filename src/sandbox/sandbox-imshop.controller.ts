import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiDefaultResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { IMSHOP_SECURITY_SCHEME } from '../auth/imshop-key.guard';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ImshopStatusSyncDto, ImshopTicketRequestDto } from './dto/imshop-peer.dto';
import { SandboxImshopErrorBody } from './dto/sandbox-admin.dto';
import { servePeer } from './sandbox-peer-http';
import { SandboxImshop } from './sandbox-imshop.service';
import type { PeerAnswer } from './sandbox-peer';
import { SandboxRecorder } from './sandbox-recorder.service';

const NOT_STANDING_IN: PeerAnswer = {
  status: 404,
  body: { success: false, errorCode: 'NOT_FOUND', errorMessage: 'this URL is configured, so the sandbox does not stand in for it' },
};

/** The sandbox IMSHOP: status sync and ticket API, where IMSHOP_STATUS_URL / IMSHOP_TICKETS_URL were left unset. */
@ApiTags('sandbox: IMSHOP')
@ApiBearerAuth(IMSHOP_SECURITY_SCHEME)
@ApiBadRequestResponse({ type: SandboxImshopErrorBody, description: 'A field is wrong, or (tickets) no ticket to cancel' })
@ApiForbiddenResponse({ type: SandboxImshopErrorBody, description: 'Not the IMSHOP key this sandbox knows' })
@ApiNotFoundResponse({ type: SandboxImshopErrorBody, description: 'That IMSHOP URL is configured, so the sandbox does not stand in for it' })
@ApiDefaultResponse({ type: SandboxImshopErrorBody, description: "A fault set by POST /admin/sandbox/faults: its status, with IMSHOP's error body" })
@Controller('sandbox/imshop')
export class SandboxImshopController {
  constructor(
    private readonly recorder: SandboxRecorder,
    private readonly imshop: SandboxImshop,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('statuses')
  @ApiOperation({
    summary: 'Sandbox IMSHOP: order status sync (what IMSHOP_STATUS_URL is when unset)',
    description: 'Answers as IMSHOP documents it (seed 001) and records the request (GET /admin/sandbox/requests). Needs the IMSHOP key as a Bearer token.',
  })
  @ApiBody({
    type: ImshopStatusSyncDto,
    examples: {
      seed: {
        summary: 'the seed example',
        value: { id: '05671863', code: 'packed', message: 'Готов к выдаче', trackingUrl: 'https://www.cdek.ru/ru/tracking?order_id=1234567890' },
      },
    },
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        success: { type: 'boolean' },
        internalId: { type: 'string' },
        uuid: { type: 'string' },
        newStatus: { type: 'string' },
        imshopStatus: { type: 'string' },
        message: { type: 'string', nullable: true },
      },
      required: ['success'],
      example: {
        success: true,
        internalId: '05671863',
        uuid: 'cfe64e76-dbc4-4f0f-b9d1-7423aeb6f195',
        newStatus: 'packed',
        imshopStatus: 'processing',
        message: 'Готов к выдаче',
      },
    },
  })
  statuses(@Req() req: Request, @Res() res: Response): Promise<void> {
    return servePeer(this.recorder, 'imshop', req, res, {
      refusal: () => (this.config.sandboxPeers.imshopStatus ? this.imshop.imshopRefusal(req.headers.authorization, req.body) : NOT_STANDING_IN),
      answer: async () => this.imshop.imshopStatusSync(req.body),
    });
  }

  @Post('tickets')
  @ApiOperation({
    summary: 'Sandbox IMSHOP: ticket API (what IMSHOP_TICKETS_URL is when unset)',
    description: 'Gives each ticket an id (`rsp-sbx-<n>`) and keeps it, so a `cancel` ticket can withdraw it. Needs the IMSHOP key as a Bearer token.',
  })
  @ApiBody({
    type: ImshopTicketRequestDto,
    examples: {
      prepare: {
        summary: 'a prepare ticket',
        value: { type: 'prepare', orderId: 'YM-46830651', storeId: '1456', cart: [{ configurationId: 'SKU-12345', quantity: 2, price: 1490, subtotal: 2980 }] },
      },
    },
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { success: { type: 'boolean' }, status: { type: 'string', enum: ['created', 'cancelled'] }, ticketId: { type: 'string' } },
      required: ['success', 'status', 'ticketId'],
      example: { success: true, status: 'created', ticketId: 'rsp-sbx-1' },
    },
  })
  tickets(@Req() req: Request, @Res() res: Response): Promise<void> {
    return servePeer(this.recorder, 'imshop', req, res, {
      refusal: () => (this.config.sandboxPeers.imshopTickets ? this.imshop.imshopRefusal(req.headers.authorization, req.body) : NOT_STANDING_IN),
      answer: () => this.imshop.imshopTicket(req.body),
    });
  }
}
