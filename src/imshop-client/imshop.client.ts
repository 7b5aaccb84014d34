import { Inject, Injectable } from '@nestjs/common';
import { callPeer, retryAfterSeconds, sanitizeJson, type PeerCallResult } from '../common/peer-http';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

/**
 * HTTP calls to IMSHOP's API, with the API key as a Bearer token and a timeout (through callPeer: no redirect
 * followed, a bounded body). Never throws for a remote failure: the caller decides what a status means. URLs
 * are secrets and never appear in errors.
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

  /** `signal`: see PeerRequest.signal (a delivery attempt's lease). */
  pushStatus(body: object, signal?: AbortSignal): Promise<PeerCallResult> {
    return this.post(this.config.imshop.statusUrl, body, signal);
  }

  createTicket(body: object, signal?: AbortSignal): Promise<PeerCallResult> {
    return this.post(this.config.imshop.ticketsUrl, body, signal);
  }

  private async post(url: string | undefined, body: object, signal?: AbortSignal): Promise<PeerCallResult> {
    if (!url || !this.config.imshop.apiKey) {
      return { status: 0, body: null, text: '', latencyMs: 0, error: 'IMSHOP is not configured (IMSHOP_API_KEY and the URL)', notSent: true };
    }
    const answer = await callPeer({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.config.imshop.apiKey}` },
      body: JSON.stringify(body),
      timeoutMs: this.config.delivery.timeoutMs,
      signal,
    });
    let parsed: unknown = answer.text || null;
    if (answer.text && !answer.truncated) {
      try {
        parsed = sanitizeJson(JSON.parse(answer.text));
      } catch {
        // IMSHOP's error bodies are not documented; keep the raw text
      }
    }
    return {
      status: answer.status,
      body: parsed,
      text: answer.text,
      latencyMs: answer.latencyMs,
      retryAfterSeconds: retryAfterSeconds(answer.headers?.get('retry-after')),
      error: answer.error,
      notSent: answer.notSent,
    };
  }
}
