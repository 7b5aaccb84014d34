import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan } from 'typeorm';
import { ConsoleSession } from './console-session.entity';

/** console_sessions: all of the console's SQL. */
@Injectable()
export class ConsoleSessionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(session: Pick<ConsoleSession, 'tokenHash' | 'actor' | 'expiresAt'>): Promise<void> {
    await this.dataSource.getRepository(ConsoleSession).insert(session);
  }

  /** The session with this token hash, if it has not expired. */
  findLive(tokenHash: string, now: Date): Promise<ConsoleSession | null> {
    return this.dataSource
      .getRepository(ConsoleSession)
      .createQueryBuilder('s')
      .where('s.token_hash = :tokenHash AND s.expires_at > :now', { tokenHash, now })
      .getOne();
  }

  async delete(tokenHash: string): Promise<void> {
    await this.dataSource.getRepository(ConsoleSession).delete({ tokenHash });
  }

  /** Expired sessions are removed when someone signs in: the table holds the live ones and a few more. */
  async deleteExpired(now: Date): Promise<void> {
    await this.dataSource.getRepository(ConsoleSession).delete({ expiresAt: LessThan(now) });
  }
}
