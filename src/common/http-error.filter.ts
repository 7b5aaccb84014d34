import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  expose?: boolean;
}

/**
 * Every error leaves as JSON: body-parser failures (broken JSON, oversized body, bad charset) would
 * otherwise reach Express's HTML error page, and unexpected errors must not leak internals.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    // Nest wraps body-parser's errors in an HttpException whose cause keeps the parser's error type.
    const parserError = (exception instanceof HttpException ? exception.cause : exception) as BodyParserError;
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
