import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MARKET_PATH_PREFIX, marketErrorFor } from '../market/market-answer';
import { recordWebhookOutcome } from '../metrics/webhook-metrics.middleware';
import { DomainError, httpExceptionOf } from './domain-error';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  expose?: boolean;
}

/**
 * Every error leaves as JSON (a service's DomainError as the HTTP status of its kind): body-parser failures (broken JSON, oversized body, bad charset) would
 * otherwise reach Express's HTML error page, and unexpected errors must not leak internals.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  private answerMarket(exception: unknown, response: Response): void {
    const { status, body } = marketAnswerFor(exception);
    const type = (body as { error?: { type?: string } }).error?.type;
    if (status === 400 && type) recordWebhookOutcome(response, { rejectReason: type.toLowerCase() });
    if (status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    response.status(status).json(body);
  }

  catch(thrown: unknown, host: ArgumentsHost): void {
    const exception = thrown instanceof DomainError ? httpExceptionOf(thrown) : thrown;
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    const request = host.switchToHttp().getRequest<Request>();
    if (request.path === MARKET_PATH_PREFIX || request.path.startsWith(`${MARKET_PATH_PREFIX}/`)) {
      this.answerMarket(exception, response);
      return;
    }
    // Nest wraps body-parser's errors in an HttpException whose cause keeps the parser's error type.
    const parserError = parserErrorOf(exception);
    if (parserError?.type && typeof parserError.status === 'number' && parserError.status < 500) {
      response.status(parserError.status).json({ statusCode: parserError.status, error: parserError.type, message: describeParserError(parserError) });
      return;
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      response.status(exception.getStatus()).json(typeof body === 'string' ? { statusCode: exception.getStatus(), message: body } : body);
      return;
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ statusCode: 500, message: 'Internal server error' });
  }
}

/** Market understands only its own error body, and only 200 and 400 as final answers. */
function marketAnswerFor(exception: unknown): { status: number; body: unknown } {
  if (exception instanceof HttpException) {
    const body = exception.getResponse() as { error?: { type?: string } };
    if (typeof body === 'object' && body?.error?.type) return { status: exception.getStatus(), body };
    const parserError = parserErrorOf(exception);
    const message = parserError?.type ? describeParserError(parserError) : exception.message;
    return marketErrorFor(exception.getStatus(), message);
  }
  return marketErrorFor(500, 'internal error');
}

/**
 * The body parser's error behind an exception. A body its Content-Encoding cannot decode (say "gzip" on
 * plain JSON) comes from raw-body as a bare "Bad Request" with only zlib's code (Z_DATA_ERROR,
 * ERR__ERROR_FORMAT_…): it gets a type here, so the answer names the problem (found by fuzzing).
 */
function parserErrorOf(exception: unknown): BodyParserError | undefined {
  const error = (exception instanceof HttpException ? exception.cause : exception) as (BodyParserError & { code?: unknown }) | undefined;
  if (error && !error.type && typeof error.status === 'number' && error.status < 500 && typeof error.code === 'string' && /^(Z_|ERR_)/.test(error.code)) {
    return { name: error.name, type: 'encoding.failed', status: error.status, message: `cannot be decoded with its Content-Encoding (${error.code})` };
  }
  return error ?? undefined;
}

export function describeParserError(error: BodyParserError): string {
  switch (error.type) {
    case 'entity.parse.failed':
      return `body: malformed JSON (${error.message})`;
    case 'entity.too.large':
      return 'body: request body is larger than the configured limit (BODY_LIMIT)';
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return `body: ${error.message}`;
    default:
      return `body: ${error.message}`;
  }
}
