import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { secretsEqual } from '../auth/constant-time';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { isPlainObject, validateDto } from '../common/validate-dto';
import { ImshopStatusSyncDto, ImshopTicketRequestDto } from './dto/imshop-peer.dto';
import type { PeerAnswer } from './sandbox-peer';
import { SandboxRepository } from './sandbox.repository';

/** IMSHOP's own order statuses: a retailer code that is one of them maps to itself, others to `processing`. */
const IMSHOP_STATUSES = new Set(['placed', 'processing', 'ready_to_dispatch', 'dispatched', 'ready_for_pickup', 'delivered', 'closed', 'canceled', 'done']);

/** The sandbox IMSHOP: its status sync API and its ticket API, in IMSHOP's shapes (seeds 000 and 001). */
@Injectable()
export class SandboxImshop {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: SandboxRepository,
  ) {}

  /** IMSHOP's protocol: the retailer's key as `Authorization: Bearer` or `key` in the body. 403 for a bad token. */
  imshopRefusal(authorization: string | undefined, body: unknown): PeerAnswer | null {
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : undefined;
    const inBody = isPlainObject(body) && typeof body.key === 'string' ? body.key : undefined;
    if (secretsEqual(bearer ?? inBody, this.config.imshop.apiKey ?? '')) return null;
    return { status: 403, body: { success: false, errorCode: 'FORBIDDEN', errorMessage: 'bad token: the key is not the one this sandbox IMSHOP knows' } };
  }

  /** Order status sync (seed 001): `{success, internalId, uuid, newStatus, imshopStatus, message}`. */
  imshopStatusSync(body: unknown): PeerAnswer {
    const checked = validateDto(ImshopStatusSyncDto, body);
    if (!checked.ok) return { status: 400, body: { success: false, errorCode: 'BAD_REQUEST', errorMessage: checked.messages.join('; ') } };
    const dto = checked.value;
    return {
      status: 200,
      body: {
        success: true,
        internalId: dto.id,
        uuid: uuidFor(dto.id),
        newStatus: dto.code,
        imshopStatus: IMSHOP_STATUSES.has(dto.code) ? dto.code : 'processing',
        message: dto.message ?? null,
      },
    };
  }

  /** Ticket creation: `{success, ticketId, status: created|cancelled}`; a cancel ticket needs a ticket to withdraw. */
  async imshopTicket(body: unknown): Promise<PeerAnswer> {
    const checked = validateDto(ImshopTicketRequestDto, body);
    if (!checked.ok) return { status: 400, body: { success: false, errorCode: 'BAD_REQUEST', errorMessage: checked.messages.join('; ') } };
    const dto = checked.value;
    if (dto.type === 'cancel' && !(await this.repository.cancelTicket(dto.ticketId!))) {
      return { status: 400, body: { success: false, errorCode: 'TICKET_NOT_FOUND', errorMessage: `no ticket ${dto.ticketId} to cancel` } };
    }
    const ticketId = await this.repository.nextTicketId();
    const status = dto.type === 'cancel' ? 'cancelled' : 'created';
    await this.repository.saveTicket({
      ticketId,
      type: dto.type,
      orderId: dto.orderId,
      storeId: dto.storeId,
      status,
      cancelsTicketId: dto.type === 'cancel' ? dto.ticketId! : null,
    });
    return { status: 200, body: { success: true, status, ticketId } };
  }
}

/** IMSHOP's uuid of an order: made up, but the same for the same order number every time. */
function uuidFor(orderNumber: string): string {
  const hex = createHash('sha256').update(`sandbox-imshop:${orderNumber}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
