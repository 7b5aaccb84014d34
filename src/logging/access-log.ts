import type { NextFunction, Request, Response } from 'express';
import pino, { type Level, type Logger } from 'pino';
import { maskHeaders, maskUrl } from '../common/credentials';
import { LOG_CENSOR } from './logger';
import { currentRequestId } from './request-context';

const QUIET_PATHS = new Set(['/health', '/metrics']);

/**
 * One access-log line per request: `request completed` (info; warn for 4xx, error for 5xx) or
 * `request aborted` (warn) when the client left before the answer. Runs after requestContext, so the
 * line carries the request id as req.id. Nothing is built for a line the log level drops: pino-http's
 * per-request child logger and its redaction were a measurable share of the intake's CPU at any level.
 * Every credential header (Authorization, Proxy-Authorization, Api-Key, X-Auth-Token, ...) and query parameter
 * (`?token=`) is masked by its name (common/credentials.ts), not by a list of the ones we know.
 */
export function accessLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (QUIET_PATHS.has(req.url)) return next();
    const started = performance.now();
    const requestId = currentRequestId();
    res.once('close', () => {
      const finished = res.writableFinished;
      const level: Level = !finished ? 'warn' : res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        { req: requestLine(req, requestId), res: pino.stdSerializers.res(res), responseTime: Math.round(performance.now() - started) },
        finished ? 'request completed' : 'request aborted',
      );
    });
    next();
  };
}

/** The request as logged: its URL and headers with every credential masked. */
function requestLine(req: Request, id: string | undefined) {
  return {
    id,
    method: req.method,
    url: maskUrl(req.originalUrl, LOG_CENSOR),
    headers: maskHeaders(req.headers, LOG_CENSOR),
    remoteAddress: req.socket?.remoteAddress,
    remotePort: req.socket?.remotePort,
  };
}
