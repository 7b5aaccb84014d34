import { Inject, Injectable } from '@nestjs/common';
import { createHmac, randomBytes } from 'node:crypto';
import { attemptAdminKey } from '../auth/admin-rate-limit.guard';
import { actorName } from '../auth/admin-key.guard';
import { secretsEqual } from '../auth/constant-time';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ConsoleSessionsRepository } from './console-sessions.repository';

/** A signed-in person as the console's pages see them. */
export interface ConsoleUser {
  /** The cookie's token hashed: the session's key, never the token itself. */
  readonly sessionKey: string;
  /** Who signed in (audit rows of their changes carry it). */
  readonly actor: string;
  /** What every change they make must carry (a form field): derived from the cookie's token, so a page of another site cannot know it. */
  readonly csrfToken: string;
}

export type SignInResult = { outcome: 'signed-in'; token: string } | { outcome: 'refused' } | { outcome: 'limited'; retryAfter: number };

/**
 * Sessions of the web console: the admin key once, then a random token in a cookie. Wrong keys count as failed
 * admin logins of the client address, on the same allowance as every other door that takes the admin key
 * (attemptAdminKey), so the console is no faster a way to guess the key.
 */
@Injectable()
export class ConsoleSessionsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: ConsoleSessionsRepository,
  ) {}

  get lifetimeMs(): number {
    return this.config.consoleSessionMs;
  }

  async signIn(key: string, name: string, client: { ip: string | undefined }): Promise<SignInResult> {
    const attempt = attemptAdminKey(this.config, client, () => secretsEqual(key, this.config.adminApiKey));
    if (attempt.outcome === 'limited') return { outcome: 'limited', retryAfter: attempt.retryAfter };
    if (attempt.outcome === 'refused') return { outcome: 'refused' };
    const now = new Date();
    await this.repository.deleteExpired(now);
    const token = randomBytes(32).toString('base64url');
    const actor = actorName(name) || 'console';
    const expiresAt = new Date(now.getTime() + this.config.consoleSessionMs);
    const tokenHash = this.hashOf(token);
    await this.repository.insert({ tokenHash, actor, expiresAt });
    return { outcome: 'signed-in', token };
  }

  /** The person the cookie's token belongs to, while the session lasts and the admin key is the one it was opened with. */
  async userOf(token: string | undefined): Promise<ConsoleUser | null> {
    if (!token || token.length > 100) return null;
    const session = await this.repository.findLive(this.hashOf(token), new Date());
    if (!session) return null;
    return { sessionKey: session.tokenHash, actor: session.actor, csrfToken: csrfTokenOf(token) };
  }

  async signOut(user: ConsoleUser): Promise<void> {
    await this.repository.delete(user.sessionKey);
  }

  private hashOf(token: string): string {
    return createHmac('sha256', this.config.adminApiKey).update(token).digest('hex');
  }
}

function csrfTokenOf(token: string): string {
  return createHmac('sha256', token).update('console change').digest('base64url');
}

/** Compares a submitted CSRF token with the session's in constant time. */
export function csrfTokenMatches(user: ConsoleUser, submitted: unknown): boolean {
  return typeof submitted === 'string' && secretsEqual(submitted, user.csrfToken);
}
