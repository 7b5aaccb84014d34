import { describe, expect, it } from '@jest/globals';
import { GroupCommit } from './group-commit';

function deferred() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { done, release };
}

describe('GroupCommit', () => {
  it('runs a lone item at once, in a batch of its own', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number, number>(async (items) => (batches.push(items), items.map((n) => n * 10)), { maxBatch: 10, maxInFlight: 1 });
    expect(await group.submit(1)).toBe(10);
    expect(batches).toEqual([[1]]);
  });

  it('gathers what arrives while a batch runs into the next batch, up to maxBatch, and answers each item with its own result', async () => {
    const batches: number[][] = [];
    const gate = deferred();
    const group = new GroupCommit<number, string>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate.done;
        return items.map((n) => `r${n}`);
      },
      { maxBatch: 3, maxInFlight: 1 },
    );
    const answers = [1, 2, 3, 4, 5, 6].map((n) => group.submit(n));
    gate.release();
    expect(await Promise.all(answers)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it('never runs more than maxInFlight batches at once', async () => {
    let running = 0;
    let most = 0;
    const group = new GroupCommit<number, number>(
      async (items) => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return items;
      },
      { maxBatch: 2, maxInFlight: 2 },
    );
    await Promise.all(Array.from({ length: 20 }, (_, n) => group.submit(n)));
    expect(most).toBe(2);
  });

  it('retries a failed batch one item at a time, so only the bad item fails', async () => {
    const batches: number[][] = [];
    const gate = deferred();
    const group = new GroupCommit<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate.done;
        if (items.includes(13)) throw new Error('unlucky');
        return items;
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const first = group.submit(0);
    const rest = [12, 13, 14].map((n) =>
      group.submit(n).then(
        (r) => ({ ok: r }),
        (e: Error) => ({ error: e.message }),
      ),
    );
    gate.release();
    await first;
    expect(await Promise.all(rest)).toEqual([{ ok: 12 }, { error: 'unlucky' }, { ok: 14 }]);
    expect(batches).toEqual([[0], [12, 13, 14], [12], [13], [14]]);
  });
});
