import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { consoleAsset } from './console-assets';
import { ConsoleErrorFilter, safeNext } from './console-error.filter';
import { clearSessionCookie, ConsoleSessionGuard, cookieOf, CurrentUser, fromSameOrigin, SESSION_COOKIE, setSessionCookie } from './console-session.guard';
import { ConsoleSessionsService, type ConsoleUser } from './console-sessions.service';
import { SignInForm } from './dto/console-forms';
import { CONSOLE_PATH } from './layout';
import { errorPage, signInPage } from './pages/common.page';
import { checked, sendPage } from './respond';

/** Signing in and out, and the console's stylesheet and script. */
@ApiExcludeController()
@UseFilters(ConsoleErrorFilter)
@Controller('console')
export class ConsoleAuthController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: ConsoleSessionsService,
  ) {}

  @Get()
  home(@Res() response: Response): void {
    response.redirect(303, `${CONSOLE_PATH}/orders`);
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() response: Response): void {
    const found = consoleAsset(name);
    if (!found) {
      response.status(404).type('text/plain').send('no such asset');
      return;
    }
    response.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    response.status(200).type(found.type).send(found.body);
  }

  @Get('sign-in')
  async signInForm(@Req() request: Request, @Res() response: Response, @Query('next') next?: string, @Query('signed-out') signedOut?: string): Promise<void> {
    if (await this.sessions.userOf(cookieOf(request, SESSION_COOKIE))) {
      response.redirect(303, safeNext(next) ?? `${CONSOLE_PATH}/orders`);
      return;
    }
    sendPage(
      response,
      signInPage(this.context(), { next: safeNext(next), notice: signedOut ? 'You are signed out.' : undefined, sandbox: this.config.sandbox }),
    );
  }

  @Post('sign-in')
  async signIn(@Req() request: Request, @Res() response: Response, @Body() body: Record<string, unknown>): Promise<void> {
    const next = safeNext(body?.next);
    const form = (problem: string, status: number) => sendPage(response, signInPage(this.context(), { next, problem, sandbox: this.config.sandbox }), status);
    // No session yet, so no token: a sign-in from another site's page (to sign the victim in as the attacker) is refused by origin.
    if (!fromSameOrigin(request)) {
      sendPage(response, errorPage(this.context(), 403, 'This sign-in came from another site, so it was refused.'), 403);
      return;
    }
    const { value, messages } = checked(SignInForm, body);
    if (messages.length) return form(messages.join('; '), 400);
    const result = await this.sessions.signIn(value.key, value.name ?? '', request);
    if (result.outcome === 'limited') {
      response.setHeader('Retry-After', String(result.retryAfter));
      return form(
        `Too many failed sign-ins from this address (more than ${this.config.adminRateLimit} a minute, counted with the admin API's). Try again in ${result.retryAfter} s.`,
        429,
      );
    }
    if (result.outcome === 'refused') return form('That is not the admin key.', 401);
    setSessionCookie(response, request, result.token, this.sessions.lifetimeMs);
    response.redirect(303, next ?? `${CONSOLE_PATH}/orders`);
  }

  @Post('sign-out')
  @UseGuards(ConsoleSessionGuard)
  async signOut(@Req() request: Request, @Res() response: Response, @CurrentUser() user: ConsoleUser): Promise<void> {
    await this.sessions.signOut(user);
    clearSessionCookie(response, request);
    response.redirect(303, `${CONSOLE_PATH}/sign-in?signed-out=1`);
  }

  private context() {
    return { user: null, sandbox: this.config.sandbox };
  }
}
