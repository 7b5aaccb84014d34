import { EventEmitter } from 'node:events';
import pg from 'pg';

type Listener = (...args: never[]) => void;
/** EventEmitter's own `on` (pg.Client's, untyped by event): pg's overloads name each event's listener type. */
const addListener = EventEmitter.prototype.on as (this: EventEmitter, event: string | symbol, listener: Listener) => EventEmitter;

/**
 * A pg Client whose 'error' is never lost and never unheard. A client's owner attaches its listener after
 * connect (BullMQ 6.7's LISTEN client; TypeORM's query runner, a microtask after the pool hands the client
 * over): when the server ends the connection in that moment (a restart, a failover, an administrator's
 * pg_terminate_backend), the error can arrive in the same read as the connection's ready message, before that
 * listener exists. Plain pg then ends the process (an 'error' with no listener). Swallowing it is no better:
 * the owner keeps a dead client it believes alive (BullMQ then retries LISTEN on it in a tight loop). So an
 * error that arrives while nobody listens is kept and emitted again once a listener comes, as if it had been
 * there in time: the owner drops the client and connects again.
 *
 * Two things the hand-over must not do: give the error to a listener that was removed before it could be called
 * (pg-pool attaches its idle listener after connect and removes it at once when it hands the client out: that
 * listener would end a client somebody now uses, and its user would never hear why), and give again an error
 * connect() itself reported (a connection that failed while connecting: its owner has heard it).
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

  override connect(): Promise<pg.Client>;
  override connect(callback: (err: Error | null, client?: pg.Client) => void): void;
  override connect(callback?: (err: Error | null, client?: pg.Client) => void): Promise<pg.Client> | void {
    if (!callback) {
      return super.connect().catch((error: unknown) => {
        this.unheardError = undefined; // heard: connect() rejects with it
        throw error;
      });
    }
    super.connect(((error: Error | null, client?: pg.Client) => {
      if (error) this.unheardError = undefined; // heard: the callback gets it
      callback(error, client);
    }) as (err: Error) => void);
  }

  override on(event: string | symbol, listener: Listener): this {
    // (A listener added by once() comes here too, wrapped.)
    addListener.call(this, event, listener);
    if (event === 'error' && this.unheardError !== undefined) {
      const error = this.unheardError;
      this.unheardError = undefined;
      // Emitted to whoever listens by then: a listener removed meanwhile does not get it, and with nobody left it
      // is kept again (keepIfUnheard) for the next one.
      process.nextTick(() => this.emit('error', error));
    }
    return this;
  }

  override addListener(event: string | symbol, listener: Listener): this {
    return this.on(event, listener);
  }
}
