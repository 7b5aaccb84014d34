import type { DataSource, EntityManager } from 'typeorm';

/**
 * One database transaction, and what its work asked to run with it. The one way the app opens a transaction is
 * a repository's `transaction()`, which calls `runInTransaction`; services pass the `Tx` on, and repositories run
 * their statements on its `manager`.
 *
 * A module that writes for the whole transaction at once (the outbox: a transaction's deliveries in one INSERT,
 * queued once it committed) asks for that here, when it is first asked to write: nothing runs for a transaction
 * that did not ask, and the ask is in the writer's code, where a reader finds it.
 */
export class Tx {
  private readonly committing = new Map<object, () => Promise<void>>();
  private readonly committed: (() => void)[] = [];
  private readonly states = new Map<object, unknown>();
  private readonly remembered = new Map<string, Promise<unknown>>();

  constructor(readonly manager: EntityManager) {}

  /** `step` runs once, as the transaction's last work before COMMIT; another ask from the same `owner` adds nothing. */
  beforeCommit(owner: object, step: () => Promise<void>): void {
    if (!this.committing.has(owner)) this.committing.set(owner, step);
  }

  /** `step` runs once the transaction has committed (never after a rollback). */
  afterCommit(step: () => void): void {
    this.committed.push(step);
  }

  /** What `owner` keeps for this transaction (the outbox's deliveries to write), made on first ask. */
  state<T>(owner: object, create: () => T): T {
    if (!this.states.has(owner)) this.states.set(owner, create());
    return this.states.get(owner) as T;
  }

  /** A read made once per transaction (a campaign's settings, say): later asks get the first answer. */
  remember<T>(key: string, read: () => Promise<T>): Promise<T> {
    if (!this.remembered.has(key)) this.remembered.set(key, read());
    return this.remembered.get(key) as Promise<T>;
  }

  /** @internal runInTransaction's: the steps asked for before COMMIT, in the order they were asked. */
  async finish(): Promise<void> {
    for (const step of this.committing.values()) await step();
  }

  /** @internal runInTransaction's: the steps asked for after COMMIT. */
  afterCommitted(): void {
    for (const step of this.committed) step();
  }
}

/** Runs `work` in a transaction of its own: its steps before COMMIT, then COMMIT, then its steps after. */
export async function runInTransaction<T>(dataSource: DataSource, work: (tx: Tx) => Promise<T>): Promise<T> {
  let tx: Tx | undefined;
  const result = await dataSource.transaction(async (manager) => {
    tx = new Tx(manager);
    const value = await work(tx);
    await tx.finish();
    return value;
  });
  tx!.afterCommitted();
  return result;
}
