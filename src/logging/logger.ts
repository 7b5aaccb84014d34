import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogFormat, LogLevel } from '../config/app-config';
import { prettyDestination } from './pretty';
import { currentRequestId } from './request-context';

/** What a redacted value becomes in the log. */
export const LOG_CENSOR = '[redacted]';

/**
 * Secrets and buyer contacts never reach the log, wherever they appear in a logged object. (The access log masks
 * every credential header and query parameter by its name before the line is written: see access-log.ts.)
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'key',
  '*.key',
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
  '*.phone',
  '*.email',
  '*.*.phone',
  '*.*.email',
];

/**
 * LOG_FORMAT when given; otherwise pretty for a person (stdout is a terminal and NODE_ENV is not
 * production) and JSON for machines (a pipe, a file, a container's log driver).
 */
export function resolveLogFormat(format: LogFormat | undefined, stdoutIsTerminal = process.stdout.isTTY === true, nodeEnv = process.env.NODE_ENV): LogFormat {
  return format ?? (stdoutIsTerminal && nodeEnv !== 'production' ? 'pretty' : 'json');
}

/**
 * `destination`: where lines go (tests capture them), default stdout; it gets JSON unless `format` says
 * pretty. Redaction happens before either format sees the line.
 */
export function createPinoLogger(level: LogLevel, destination?: DestinationStream, format?: LogFormat): Logger {
  const pretty = destination ? format === 'pretty' : resolveLogFormat(format) === 'pretty';
  return pino(
    {
      level,
      base: { service: 'order-sync' },
      redact: { paths: REDACTED_PATHS, censor: LOG_CENSOR },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pretty ? prettyDestination(destination ?? process.stdout) : destination,
  );
}

/** Nest's logger interface on top of pino: one line per message, with the request id when there is one. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, stackOrContext?: string, context?: string) {
    this.write('error', message, context ?? stackOrContext);
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string) {
    this.write('fatal', message, context);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, context?: string) {
    const fields = { context, requestId: currentRequestId() };
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.logger[level]({ ...fields, ...message });
    else this.logger[level](fields, String(message));
  }
}
