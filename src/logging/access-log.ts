import type { NextFunction, Request, Response } from 'express';
import pino, { type Level, type Logger } from 'pino';
import { currentRequestId } from './request-context';

const QUIET_PATHS = new Set(['/health', '/metrics']);

/**
 * One access-log line per request: `request completed` (info; warn for 4xx, error for 5xx) or
 * `request aborted` (warn) when the client left before the answer. Runs after requestContext, so the
 * line carries the request id as req.id. Nothing is built for a line the log level drops: pino-http's
 * per-request child logger and its redaction were a measurable share of the intake's CPU at any level.
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
      (req as Request & { id?: string }).id = requestId;
      logger[level](
        { req: pino.stdSerializers.req(req), res: pino.stdSerializers.res(res), responseTime: Math.round(performance.now() - started) },
        finished ? 'request completed' : 'request aborted',
      );
    });
    next();
  };
}
