import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Inject, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, httpExceptionOf } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { ConsoleUser } from './console-sessions.service';
import { SignInRequired } from './console-session.guard';
import { CONSOLE_PATH } from './layout';
import { errorPage } from './pages/common.page';

/** Where the sign-in page may send someone back to: a console page of this site, never another site. */
export function safeNext(next: unknown): string | undefined {
  if (typeof next !== 'string' || next.length > 1000) return undefined;
  return /^\/console\/[A-Za-z0-9\-._~/?=&%#+]*$/.test(next) && !next.includes('//') && !next.includes('/sign-') ? next : undefined;
}

/**
 * The console's errors as pages, not JSON: without a session a page sends the browser to the sign-in page (and an
 * action is refused with 401); a refused change is 403; an unknown order 404; anything unexpected 500, logged.
 */
@Catch()
export class ConsoleErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Console');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request & { consoleUser?: ConsoleUser }>();
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    if (thrown instanceof SignInRequired && (request.method === 'GET' || request.method === 'HEAD')) {
      const next = safeNext(request.originalUrl);
      response.redirect(303, `${CONSOLE_PATH}/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`);
      return;
    }
    const exception = thrown instanceof DomainError ? httpExceptionOf(thrown) : thrown;
    let status = HttpStatus.INTERNAL_SERVER_ERROR;
    let message = 'Something went wrong on our side; the log has the details.';
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      const body = exception.getResponse();
      const text = typeof body === 'string' ? body : (body as { message?: unknown }).message;
      message = Array.isArray(text) ? text.join('; ') : String(text ?? exception.message);
    } else {
      this.logger.error(thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown));
    }
    if (status === HttpStatus.NOT_FOUND && !(thrown instanceof DomainError) && message.startsWith('Cannot ')) message = 'There is no such page in the console.';
    response
      .status(status)
      .type('html')
      .send(errorPage({ user: request.consoleUser ?? null, sandbox: this.config.sandbox }, status, message));
  }
}
