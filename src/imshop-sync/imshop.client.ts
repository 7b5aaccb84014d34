import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

export interface ImshopCallResult {
  /** 0 when no HTTP answer arrived (timeout, refused, reset). */
  status: number;
  body: unknown;
  latencyMs: number;
  /** Seconds from a Retry-After header, when IMSHOP sent one. */
  retryAfterSeconds?: number;
  error?: string;
}

/**
 * HTTP calls to IMSHOP's API, with the API key as a Bearer token and a timeout. Never throws for a
 * remote failure: the caller decides what a status means. URLs are secrets and never appear in errors.
 */
@Injectable()
export class ImshopClient {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get statusPushConfigured(): boolean {
    return Boolean(this.config.imshop.apiKey && this.config.imshop.statusUrl);
  }

  get ticketsConfigured(): boolean {
    return Boolean(this.config.imshop.apiKey && this.config.imshop.ticketsUrl);
  }

  pushStatus(body: object): Promise<ImshopCallResult> {
    return this.post(this.config.imshop.statusUrl, body);
  }

  createTicket(body: object): Promise<ImshopCallResult> {
    return this.post(this.config.imshop.ticketsUrl, body);
  }

  private async post(url: string | undefined, body: object): Promise<ImshopCallResult> {
    const started = Date.now();
    if (!url || !this.config.imshop.apiKey) {
      return { status: 0, body: null, latencyMs: 0, error: 'IMSHOP is not configured (IMSHOP_API_KEY and the URL)' };
    }
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.config.imshop.apiKey}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.config.delivery.timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // IMSHOP's error bodies are not documented; keep the raw text
      }
      return { status: response.status, body: parsed, latencyMs: Date.now() - started, retryAfterSeconds: retryAfter(response.headers.get('retry-after')) };
    } catch (error) {
      const cause = error as Error & { cause?: { code?: string } };
      const reason = cause.name === 'TimeoutError' ? `no answer within ${this.config.delivery.timeoutMs} ms` : (cause.cause?.code ?? cause.message);
      return { status: 0, body: null, latencyMs: Date.now() - started, error: reason };
    }
  }
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
