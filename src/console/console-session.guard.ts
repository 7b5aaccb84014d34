import { CanActivate, createParamDecorator, ExecutionContext, ForbiddenException, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { csrfTokenMatches, ConsoleSessionsService, type ConsoleUser } from './console-sessions.service';
import { CONSOLE_PATH } from './layout';

export const SESSION_COOKIE = 'order_sync_console';

/** No session (or an expired one): a page sends the browser to the sign-in page, an action is refused. */
export class SignInRequired extends HttpException {
  constructor() {
    super('Sign in with the admin key first.', HttpStatus.UNAUTHORIZED);
  }
}

type ConsoleRequest = Request & { consoleUser?: ConsoleUser };

export function cookieOf(request: Pick<Request, 'headers'>, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Path=/console,
 * an expiry, and Secure when the request came over TLS (directly or, with TRUST_PROXY, through the proxy).
 */
export function setSessionCookie(response: Response, request: Request, token: string, maxAgeMs: number): void {
  const parts = [`${SESSION_COOKIE}=${token}`, `Path=${CONSOLE_PATH}`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
  parts.push(`Expires=${new Date(Date.now() + maxAgeMs).toUTCString()}`);
  if (request.secure) parts.push('Secure');
  response.append('Set-Cookie', parts.join('; '));
}

export function clearSessionCookie(response: Response, request: Request): void {
  const parts = [`${SESSION_COOKIE}=`, `Path=${CONSOLE_PATH}`, 'HttpOnly', 'SameSite=Strict', 'Max-Age=0', 'Expires=Thu, 01 Jan 1970 00:00:00 GMT'];
  if (request.secure) parts.push('Secure');
  response.append('Set-Cookie', parts.join('; '));
}

/**
 * A change comes from this site's own pages: a browser says where a request comes from (Origin, and
 * Sec-Fetch-Site in current browsers), and neither may name another site. A client that sends neither (curl, a
 * script) still needs the session cookie and the page's token.
 */
export function fromSameOrigin(request: Request): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false; // "null" (a sandboxed frame, a data: URL) or garbage
  }
  return host !== '' && (host === request.headers.host || host === request.host);
}

/**
 * Every console route but the sign-in page: the session from the cookie, else SignInRequired. A change (any method
 * but GET and HEAD) must also come from the console's own origin and carry the session's CSRF token (`_csrf`).
 */
@Injectable()
export class ConsoleSessionGuard implements CanActivate {
  constructor(private readonly sessions: ConsoleSessionsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    const user = await this.sessions.userOf(cookieOf(request, SESSION_COOKIE));
    if (!user) throw new SignInRequired();
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      if (!fromSameOrigin(request)) throw new ForbiddenException('This change came from another site, so it was refused.');
      const body = request.body as Record<string, unknown> | undefined;
      if (!csrfTokenMatches(user, body?._csrf ?? request.headers['x-csrf-token'])) {
        throw new ForbiddenException('This change did not carry the page’s token, so it was refused. Reload the page and try again.');
      }
    }
    request.consoleUser = user;
    return true;
  }
}

/** The signed-in person (ConsoleSessionGuard found them). */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): ConsoleUser => {
  const user = context.switchToHttp().getRequest<ConsoleRequest>().consoleUser;
  if (!user) throw new SignInRequired();
  return user;
});
