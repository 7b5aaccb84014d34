import { Injectable, Logger } from '@nestjs/common';
import { maskCredentials, maskCredentialsInText } from '../common/credentials';
import { InvalidInputError, UnavailableError } from '../common/domain-error';
import type { PeerCallResult } from '../common/peer-http';
import { isPlainObject, validateDto } from '../common/validate-dto';
import { ImshopClient } from '../imshop-client/imshop.client';
import { OrdersService } from '../orders/orders.service';
import type { TicketType } from '../imshop-client/imshop-ticket-types';
import { CreateTicketDto } from './dto/create-ticket.dto';
import { ImshopTicketRefused, TicketOutcomeUnknown } from './ticket-errors';
import { TicketEventsService } from './ticket-events.service';
import { ImshopTicketRequest } from './ticket-request.entity';
import { TicketRequestsRepository } from './ticket-requests.repository';
import { isFinalTicketStatus, withdrawalRecord } from './ticket-rules';
import type { ImshopTicket } from './ticket.entity';
import { TicketsRepository } from './tickets.repository';

/** IMSHOP's answer to ticket creation ("Создание заявки"). */
interface ImshopTicketAnswer {
  success?: unknown;
  ticketId?: unknown;
  status?: unknown;
  errorCode?: unknown;
  errorMessage?: unknown;
}

export interface CreatedTicket {
  ticket: ImshopTicket;
  /** IMSHOP's answer as it came. */
  imshop: unknown;
}

const ADOPTED_NOTE = "IMSHOP's answer was lost; the ticket is the one IMSHOP reported since";

/** Us → IMSHOP: a ticket created through IMSHOP's ticket API, at most once per key, and registered once IMSHOP accepted it. */
@Injectable()
export class TicketCreationService {
  private readonly logger = new Logger('ImshopTickets');

  constructor(
    private readonly tickets: TicketsRepository,
    private readonly requests: TicketRequestsRepository,
    private readonly events: TicketEventsService,
    private readonly orders: OrdersService,
    private readonly client: ImshopClient,
  ) {}

  /**
   * `POST /tickets`: validates, asks IMSHOP to create the ticket, and registers it once IMSHOP accepted it.
   * With a `requestKey` the ticket is created at most once under that key (see ImshopTicketRequest): a repeat
   * after success gets the registered ticket and IMSHOP's first answer; a repeat after IMSHOP refused sends
   * again; a repeat while IMSHOP's answer is unknown is refused with TicketOutcomeUnknown, unless IMSHOP has
   * meanwhile reported a ticket of the order, which is then taken as the one created. IMSHOP's refusal is
   * ImshopTicketRefused; an unconfigured ticket API is an UnavailableError.
   */
  async create(body: unknown, options: { requestKey?: string; signal?: AbortSignal } = {}): Promise<CreatedTicket> {
    const checked = validateDto(CreateTicketDto, body);
    if (!checked.ok) throw new InvalidInputError(checked.messages);
    return this.send(checked.value, body as Record<string, unknown>, options.requestKey, options.signal);
  }

  private async send(dto: CreateTicketDto, requestBody: Record<string, unknown>, requestKey?: string, signal?: AbortSignal): Promise<CreatedTicket> {
    if (!this.client.ticketsConfigured) {
      throw new UnavailableError('the IMSHOP ticket API is not configured (IMSHOP_API_KEY and IMSHOP_TICKETS_URL)');
    }
    let claim: ImshopTicketRequest | undefined;
    if (requestKey !== undefined) {
      const claimed = await this.claimRequest(requestKey, dto, requestBody);
      if (!(claimed instanceof ImshopTicketRequest)) return claimed;
      claim = claimed;
    }
    const call = await this.client.createTicket(requestBody, signal);
    const answer = (isPlainObject(call.body) ? call.body : {}) as ImshopTicketAnswer;
    const accepted = call.status >= 200 && call.status < 300 && answer.success === true && isIdLike(answer.ticketId);
    if (!accepted) {
      const unknown = outcomeUnknown(call, answer);
      // IMSHOP's own words go into an error message (with its answer), a stored row and the log: credentials in them are masked.
      let message = maskCredentialsInText(describeRefusal(call, answer));
      if (claim) {
        await this.settleRefusal(claim, unknown, message);
        if (unknown)
          message += `; IMSHOP may have created the ticket, so request ${claim.requestKey} is not sent again until IMSHOP reports a ticket of order ${dto.orderId}`;
      }
      this.logger.warn(`IMSHOP did not create the ${dto.type} ticket for order ${dto.orderId}: ${message}`);
      throw new ImshopTicketRefused(message, call.status, maskCredentials(call.body ?? null), unknown);
    }
    const imshopTicketId = String(answer.ticketId);
    const answerStatus = typeof answer.status === 'string' && answer.status ? answer.status.slice(0, 128) : 'created';
    const withdrawnAtOnce = dto.type === 'cancel' && answerStatus === 'cancelled';

    // If this transaction fails (the database went down after IMSHOP answered), a keyed request stays `sending`:
    // its retry does not send again (claimRequest), so IMSHOP's ticket is never created twice.
    const ticket = await this.tickets.transaction(async (tx) => {
      const { manager } = tx;
      const order = await this.orders.findByIdentity({ omsOrderNumber: dto.orderId }, tx);
      if (claim) await this.requests.markCreated(manager, claim.id, imshopTicketId, { success: true, status: answerStatus, ticketId: imshopTicketId });
      if (dto.type === 'cancel') await this.tickets.markCancelRequested(manager, dto.ticketId!);
      if (dto.type === 'cancel' && imshopTicketId === dto.ticketId) {
        // IMSHOP answered with the id of the withdrawn ticket ("идентификатор созданной / отменённой заявки"):
        // there is no separate cancel ticket to register.
        const target =
          (await this.tickets.lockTicket(manager, imshopTicketId)) ??
          (await this.tickets.registerUnknownTicket(manager, imshopTicketId, dto.orderId, dto.storeId));
        if (withdrawnAtOnce) await this.tickets.closeWithdrawn(manager, imshopTicketId, new Date(), withdrawalRecord(imshopTicketId, imshopTicketId));
        return (await this.tickets.lockTicket(manager, target.imshopTicketId))!;
      }
      const created = await this.tickets.saveCreated(manager, {
        imshopTicketId,
        type: dto.type,
        omsOrderNumber: dto.orderId,
        orderId: order?.id ?? null,
        storeId: dto.storeId,
        status: answerStatus,
        request: requestBody,
        cancelsTicketId: dto.type === 'cancel' ? dto.ticketId! : null,
        closed: withdrawnAtOnce,
      });
      if (withdrawnAtOnce) await this.tickets.closeWithdrawn(manager, dto.ticketId!, new Date(), withdrawalRecord(dto.ticketId!, imshopTicketId));
      return created;
    });
    this.logger.log(`IMSHOP ${dto.type} ticket ${imshopTicketId} for order ${dto.orderId}: ${answerStatus}`);
    return { ticket, imshop: call.body };
  }

  /**
   * Claims a keyed request for sending, in a short transaction committed before the request goes out: a new key,
   * or one IMSHOP refused before. Otherwise says what the key already got: the ticket created under it, or the
   * ticket IMSHOP has since reported for the order (taken as the one created), or TicketOutcomeUnknown.
   */
  private async claimRequest(requestKey: string, dto: CreateTicketDto, body: Record<string, unknown>): Promise<ImshopTicketRequest | CreatedTicket> {
    const claimed = await this.requests.claim(requestKey, { type: dto.type, omsOrderNumber: dto.orderId, storeId: dto.storeId, body });
    if (claimed) return claimed;

    const existing = await this.requests.findByKey(requestKey);
    if (existing.state === 'created') {
      const ticket = await this.tickets.findByImshopId(existing.imshopTicketId!);
      if (ticket) return { ticket, imshop: existing.answer };
    }
    const adopted = await this.adoptReportedTicket(existing);
    if (adopted) return adopted;
    throw new TicketOutcomeUnknown(existing);
  }

  /** IMSHOP answered without creating the ticket: the key may be sent again. No answer at all: it stays `sending`. */
  private async settleRefusal(claim: ImshopTicketRequest, unknown: boolean, message: string): Promise<void> {
    try {
      await this.requests.settle(claim.id, unknown ? 'sending' : 'refused', message.slice(0, 1000));
    } catch (error) {
      // Not recorded: the request stays `sending`, so it is not sent again (at worst a refused ticket waits for an admin).
      this.logger.warn(`IMSHOP's refusal of ticket request ${claim.requestKey} was not recorded: ${(error as Error).message}`);
    }
  }

  /**
   * A request whose answer is unknown, and IMSHOP has since reported a ticket of the order in that store that
   * we did not create (its webhook registered it), first heard of after the request was sent, of the request's
   * type or of no known type: that is the ticket IMSHOP created, when it is the only one. It becomes ours (its
   * type, so `failed` means something again) and its statuses recorded without a type are applied now.
   */
  private async adoptReportedTicket(request: ImshopTicketRequest): Promise<CreatedTicket | null> {
    const candidates = await this.tickets.adoptionCandidates(request);
    if (candidates.length !== 1) return null;
    const [candidate] = candidates;
    const adopted = await this.tickets.transaction(async (tx) => {
      const { manager } = tx;
      const ticket = await this.tickets.lockTicket(manager, candidate.imshopTicketId);
      if (!ticket || ticket.createdByUs) return null;
      if (!(await this.requests.adopt(manager, request.id, ticket.imshopTicketId))) return null;
      const type = (ticket.type ?? request.type) as TicketType;
      const order = ticket.orderId ? null : await this.orders.findByIdentity({ omsOrderNumber: request.omsOrderNumber }, tx);
      return this.tickets.markAdopted(manager, ticket.id, {
        type,
        request: request.request,
        orderId: order?.id ?? null,
        closed: ticket.status !== null && isFinalTicketStatus(type, ticket.status),
      });
    });
    if (!adopted) return null;
    this.logger.warn(
      `ticket request ${request.requestKey}: IMSHOP's answer was lost; ticket ${adopted.imshopTicketId}, which IMSHOP reported since, is the one it created`,
    );
    for (const id of await this.tickets.recordedEventIds(adopted.id)) {
      try {
        await this.events.reprocess(id, 'adopted:');
      } catch (error) {
        this.logger.warn(`status ${id} of adopted ticket ${adopted.imshopTicketId} not applied: ${(error as Error).message}`);
      }
    }
    return { ticket: adopted, imshop: { success: true, ticketId: adopted.imshopTicketId, note: ADOPTED_NOTE } };
  }
}

function describeRefusal(call: PeerCallResult, answer: ImshopTicketAnswer): string {
  if (call.status === 0) return `IMSHOP did not answer: ${call.error ?? 'no response'}`;
  const code = typeof answer.errorCode === 'string' || typeof answer.errorCode === 'number' ? String(answer.errorCode) : undefined;
  const text = typeof answer.errorMessage === 'string' ? answer.errorMessage : undefined;
  const detail = [code, text].filter(Boolean).join(': ');
  if (call.status < 200 || call.status >= 300) return `IMSHOP refused the ticket with HTTP ${call.status}${detail ? ` (${detail})` : ''}`;
  if (!isPlainObject(call.body)) return `IMSHOP answered HTTP ${call.status} with a body that is not its JSON answer${call.error ? ` (${call.error})` : ''}`;
  if (answer.success !== true) return `IMSHOP refused the ticket${detail ? `: ${detail}` : ' (success is not true)'}`;
  return 'IMSHOP answered success without a ticketId';
}

/** Nothing left us: IMSHOP cannot have created a ticket (no connection was made, the call was not started, or IMSHOP is not configured). */
function neverSent(call: PeerCallResult): boolean {
  return call.status === 0 && (call.notSent === true || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(call.error ?? ''));
}

/**
 * IMSHOP may have created the ticket although we have no acceptance we can read: no answer (a timeout, a reset
 * connection), a gateway's 502/504, which can come after IMSHOP acted, or a 2xx that is not IMSHOP's readable
 * refusal (a body cut at 64 KiB, a proxy's HTML page, `success: true` without a `ticketId`): a 2xx says the
 * request went through. IMSHOP's own refusals (400, 403, 500 "other error", a readable `success: false`) and a
 * 503 mean it did not.
 */
function outcomeUnknown(call: PeerCallResult, answer: ImshopTicketAnswer): boolean {
  if (call.status === 0) return !neverSent(call);
  if (call.status === 502 || call.status === 504) return true;
  if (call.status >= 200 && call.status < 300) return !(isPlainObject(call.body) && answer.success === false);
  return false;
}

function isIdLike(value: unknown): value is string | number {
  return (typeof value === 'string' && value.trim() !== '' && value.length <= 255) || Number.isSafeInteger(value);
}
