import type { NextFunction, Request, Response } from 'express';
import type { MetricsService } from './metrics.service';

/** Which inbound endpoint a path is, for metric labels; other paths are not webhooks. */
export function webhookEndpoint(path: string): string | undefined {
  if (path === '/market' || path.startsWith('/market/')) return 'market';
  if (path === '/imshop/tickets/status') return 'imshop_ticket';
  if (path === '/imshop/orders/cancel') return 'imshop_cancel';
  if (path === '/orders/status') return 'oms';
  return undefined;
}

/** What a handler learnt about the request, for the metrics written when the answer leaves. */
export interface WebhookOutcome {
  type?: string;
  outcome?: string;
  rejectReason?: string;
}

export function recordWebhookOutcome(res: Response, outcome: WebhookOutcome): void {
  res.locals.webhook = { ...(res.locals.webhook as WebhookOutcome | undefined), ...outcome };
}

/**
 * Runs first, so every webhook request is counted, including those refused before a handler ran
 * (IP allowlist, body too large, broken JSON).
 */
export function webhookMetrics(metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction) => {
    const endpoint = webhookEndpoint(req.path);
    if (!endpoint || req.method !== 'POST') return next();
    const stop = metrics.webhookDuration.startTimer();
    res.on('finish', () => {
      const info = (res.locals.webhook ?? {}) as WebhookOutcome;
      const type = info.type ?? '-';
      const outcome = info.outcome ?? (res.statusCode < 400 ? 'ok' : `http_${res.statusCode}`);
      stop({ endpoint, type });
      metrics.webhookRequests.inc({ endpoint, type, outcome });
      if (outcome === 'duplicate') metrics.webhookDuplicates.inc({ endpoint });
      if (res.statusCode >= 400 && res.statusCode < 500) {
        metrics.webhookRejections.inc({ endpoint, reason: info.rejectReason ?? rejectionReason(res.statusCode) });
      }
    });
    next();
  };
}

function rejectionReason(status: number): string {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden_source';
    case 413:
      return 'too_large';
    case 429:
      return 'too_many_failed_keys';
    default:
      return 'invalid';
  }
}
