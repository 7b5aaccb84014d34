import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { describeParserError, parserErrorOf } from '../common/body-parser-error';
import { DomainError, httpExceptionOf } from '../common/domain-error';
import { recordWebhookOutcome } from '../metrics/webhook-metrics.middleware';
import { marketErrorFor, type MarketErrorBody } from './market-answer';
import { MarketNotificationNotStored, MarketNotificationRefused } from './market-errors';

/**
 * The error answers of the paths Market calls (MARKET_PATH_PREFIX): Market understands only its own error body,
 * and only 200 and 400 as final answers. Wired in bootstrap as the /market protocol of the global HttpErrorFilter,
 * so errors raised before a route is found (the body parser, an unknown path) are answered the same way.
 */
@Catch()
export class MarketErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(thrown: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    const { status, body } = marketAnswerFor(thrown);
    const type = (body as Partial<MarketErrorBody>).error?.type;
    if (status === 400 && type) recordWebhookOutcome(response, { rejectReason: type.toLowerCase() });
    if (status >= 500) this.logger.error(thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown));
    response.status(status).json(body);
  }
}

function marketAnswerFor(thrown: unknown): { status: number; body: unknown } {
  if (thrown instanceof MarketNotificationRefused)
    return { status: 400, body: { error: { type: 'WRONG_EVENT_FORMAT', message: thrown.message } } satisfies MarketErrorBody };
  if (thrown instanceof MarketNotificationNotStored) return marketErrorFor(500, thrown.message);
  const exception = thrown instanceof DomainError ? httpExceptionOf(thrown) : thrown;
  if (exception instanceof HttpException) {
    const body = exception.getResponse() as { error?: { type?: string } };
    if (typeof body === 'object' && body?.error?.type) return { status: exception.getStatus(), body };
    const parserError = parserErrorOf(exception);
    const message = parserError?.type ? describeParserError(parserError) : exception.message;
    return marketErrorFor(exception.getStatus(), message);
  }
  return marketErrorFor(500, 'internal error');
}
