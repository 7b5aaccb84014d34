import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { hydrate } from '../database/hydrate';
import { ImshopTicketRequest } from './ticket-request.entity';

/** The SQL of the keyed ticket requests (imshop_ticket_requests): what keeps a retry from creating a second ticket. */
@Injectable()
export class TicketRequestsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims a key for sending, in a statement of its own (committed before the request goes out): a new key,
   * or one IMSHOP refused before. Undefined when the key is taken (created, or its answer unknown).
   */
  async claim(requestKey: string, request: { type: string; omsOrderNumber: string; storeId: string; body: unknown }): Promise<ImshopTicketRequest | undefined> {
    const [claimed] = (await this.dataSource.query(
      `INSERT INTO imshop_ticket_requests (request_key, type, oms_order_number, store_id, request, state, attempts, sent_at)
       VALUES ($1, $2, $3, $4, $5, 'sending', 1, now())
       ON CONFLICT (request_key) DO UPDATE SET state = 'sending', attempts = imshop_ticket_requests.attempts + 1, type = EXCLUDED.type,
         oms_order_number = EXCLUDED.oms_order_number, store_id = EXCLUDED.store_id, request = EXCLUDED.request, sent_at = now(),
         last_error = NULL, updated_at = now()
       WHERE imshop_ticket_requests.state = 'refused'
       RETURNING *`,
      [requestKey, request.type, request.omsOrderNumber, request.storeId, JSON.stringify(request.body)],
    )) as Record<string, unknown>[];
    return claimed ? hydrate(this.dataSource.manager, ImshopTicketRequest, claimed) : undefined;
  }

  findByKey(requestKey: string): Promise<ImshopTicketRequest> {
    return this.dataSource.getRepository(ImshopTicketRequest).findOneByOrFail({ requestKey });
  }

  /** IMSHOP's answer to a request still `sending`: `refused` (it may be sent again) or still `sending` (unknown). */
  async settle(id: string, state: 'sending' | 'refused', lastError: string): Promise<void> {
    await this.dataSource.query(`UPDATE imshop_ticket_requests SET state = $2, last_error = $3, updated_at = now() WHERE id = $1 AND state = 'sending'`, [
      id,
      state,
      lastError,
    ]);
  }

  /** IMSHOP created the ticket: kept with its answer, which a repeat of the key gets again. */
  async markCreated(manager: EntityManager, id: string, imshopTicketId: string, answer: unknown): Promise<void> {
    await manager.query(
      `UPDATE imshop_ticket_requests SET state = 'created', imshop_ticket_id = $2, answer = $3, last_error = NULL, updated_at = now() WHERE id = $1`,
      [id, imshopTicketId, JSON.stringify(answer)],
    );
  }

  /** A request whose answer was lost takes the ticket IMSHOP reported since; false when it is no longer `sending`. */
  async adopt(manager: EntityManager, id: string, imshopTicketId: string): Promise<boolean> {
    const [taken] = (await manager.query(
      `UPDATE imshop_ticket_requests SET state = 'created', imshop_ticket_id = $2::text, last_error = NULL, updated_at = now(),
         answer = jsonb_build_object('success', true, 'ticketId', $2::text, 'note', 'IMSHOP''s answer was lost; the ticket is the one IMSHOP reported since')
       WHERE id = $1 AND state = 'sending' RETURNING id`,
      [id, imshopTicketId],
    )) as unknown[][];
    return Boolean(taken?.length);
  }
}
