import { Inject, Injectable } from '@nestjs/common';
import { exampleOf } from '../common/swagger-example';
import { APP_CONFIG, selfUrl, type AppConfig } from '../config/app-config';
import { OrderStatusUpdateDto } from '../imshop-sync/dto/order-status-update.dto';
import { MARKET_NOTIFICATION_DTO_CLASSES } from '../market/dto';

/** A request the console sent on a peer's behalf, and what order-sync answered. */
export interface Played {
  request: { method: string; path: string; body: unknown };
  answer: { status: number; body: unknown };
  /** An id that finds the order in the console's search. */
  orderRef: string | null;
}

export type PlayStep = 'market-order-created' | 'market-processing';

/**
 * In the sandbox, plays Yandex Market, the IMSHOP store and the retailer's OMS towards order-sync: each step is the
 * HTTP request that peer would send (the examples of Swagger UI, with the keys a real peer would carry), sent to the
 * app's own address, so it travels the whole real path: the allowlist, the key checks, the inbox, the order.
 */
@Injectable()
export class SandboxPlayerService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  market(step: PlayStep): Promise<Played> {
    const body = exampleOf(
      step === 'market-order-created' ? MARKET_NOTIFICATION_DTO_CLASSES.ORDER_CREATED : MARKET_NOTIFICATION_DTO_CLASSES.ORDER_STATUS_UPDATED,
    );
    return this.send('/market/notification', body, {}, String(body.orderId));
  }

  ticketStatus(body: { ticketId: string; orderId: string; storeId: string; status: string }): Promise<Played> {
    return this.send('/imshop/tickets/status', body, { authorization: `Bearer ${this.config.imshop.webhookKey ?? ''}` }, body.orderId);
  }

  omsStatus(fields: { id: string; code: string }): Promise<Played> {
    const body = { ...exampleOf(OrderStatusUpdateDto), id: fields.id, code: fields.code };
    return this.send('/orders/status', body, { 'x-api-key': this.config.adminApiKey }, fields.id);
  }

  private async send(path: string, body: unknown, headers: Record<string, string>, orderRef: string): Promise<Played> {
    const response = await fetch(`${selfUrl(this.config.host, this.config.port)}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let answer: unknown = text;
    try {
      answer = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: shown as text
    }
    return { request: { method: 'POST', path, body }, answer: { status: response.status, body: answer }, orderRef };
  }
}
