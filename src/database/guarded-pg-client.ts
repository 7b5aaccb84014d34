import pg from 'pg';

/**
 * A pg Client that is never without an 'error' listener. A client's owner attaches its listener after connect
 * (BullMQ 6.7's LISTEN client; TypeORM's query runner, a microtask after the pool hands the client over): when
 * the server ends the connection in that moment (a restart, a failover, an administrator's
 * pg_terminate_backend), the error can arrive in the same read as the connection's ready message, before that
 * listener exists, and an 'error' with no listener ends the process. Owners still hear every later error; a
 * client whose error came too early is dead, and its first query fails as any query on a lost connection does.
 */
export class GuardedPgClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}
