import pg from 'pg';

type Listener = (...args: never[]) => void;

/**
 * A pg Client whose 'error' is never lost and never unheard. A client's owner attaches its listener after
 * connect (BullMQ 6.7's LISTEN client; TypeORM's query runner, a microtask after the pool hands the client
 * over): when the server ends the connection in that moment (a restart, a failover, an administrator's
 * pg_terminate_backend), the error can arrive in the same read as the connection's ready message, before that
 * listener exists. Plain pg then ends the process (an 'error' with no listener). Swallowing it is no better:
 * the owner keeps a dead client it believes alive (BullMQ then retries LISTEN on it in a tight loop). So an
 * error that arrives while nobody listens is kept and handed to the first listener that comes, as if it had
 * been there in time: the owner drops the client and connects again.
 */
export class GuardedPgClient extends pg.Client {
  private unheardError?: unknown;

  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const keepIfUnheard = (error: unknown) => {
      if (this.listenerCount('error') === 1) this.unheardError ??= error;
    };
    super.on('error', keepIfUnheard);
  }

  override on(event: string | symbol, listener: Listener): this {
    super.on(event as never, listener as never);
    if (event === 'error' && this.unheardError !== undefined) {
      const error = this.unheardError;
      this.unheardError = undefined;
      process.nextTick(() => (listener as (error: unknown) => void).call(this, error));
    }
    return this;
  }

  override addListener(event: string | symbol, listener: Listener): this {
    return this.on(event, listener);
  }
}
