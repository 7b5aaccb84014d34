import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { describeParserError, parserErrorOf } from './body-parser-error';
import { maskCredentialsInText } from './credentials';
import { DomainError, httpExceptionOf } from './domain-error';

/**
 * Every error leaves as JSON (a service's DomainError as the HTTP status of its kind): body-parser failures (broken JSON, oversized body, bad charset) would
 * otherwise reach Express's HTML error page, and unexpected errors must not leak internals.
 *
 * A protocol whose peer expects its own error bodies (Market under /market) brings its own filter, owned by its
 * module; `protocols` maps each path prefix to it, and every error under that path goes there, including the
 * ones raised before a route is found (the body parser, an unknown path).
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(private readonly protocols: Record<string, ExceptionFilter> = {}) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    const request = host.switchToHttp().getRequest<Request>();
    const protocol = this.protocolOf(request.path);
    if (protocol) {
      protocol.catch(thrown, host);
      return;
    }
    const exception = thrown instanceof DomainError ? httpExceptionOf(thrown) : thrown;
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
    this.logger.error(maskCredentialsInText(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)));
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ statusCode: 500, message: 'Internal server error' });
  }

  private protocolOf(path: string): ExceptionFilter | undefined {
    for (const [prefix, filter] of Object.entries(this.protocols)) {
      if (path === prefix || path.startsWith(`${prefix}/`)) return filter;
    }
    return undefined;
  }
}
