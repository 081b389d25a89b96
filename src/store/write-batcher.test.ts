import { describe, expect, it } from 'vitest';
import type { Executor } from './schema.ts';
import { WriteBatcher } from './write-batcher.ts';

const tx = {} as Executor;

/** A batcher whose commits are recorded: `record(name)` is a write that adds its name to the current commit. */
function recording(windowMs?: number) {
  const commits: string[][] = [];
  let current: string[] = [];
  const batcher = new WriteBatcher({
    transaction: async (work) => {
      current = [];
      await work(tx);
      commits.push(current);
    },
    onError: () => {},
    windowMs,
  });
  const record = (name: string) => batcher.write(name, async () => current.push(name));
  return { batcher, commits, record };
}

describe('WriteBatcher', () => {
  it('commits the writes of one event-loop turn together, in order', async () => {
    const { commits, record } = recording();
    await Promise.all(['a', 'b', 'c'].map(record));
    await record('d');
    expect(commits).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it("with a window, writes queued on later event-loop turns within it share the first one's commit", async () => {
    const { commits, record } = recording(50);
    const first = record('a');
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([first, record('b')]);
    expect(commits).toEqual([['a', 'b']]);
    await record('c');
    expect(commits).toEqual([['a', 'b'], ['c']]);
  });

  it('settled() commits what is queued at once, without waiting out the window', async () => {
    // Longer than the test's timeout: only settled() can have committed it.
    const { batcher, commits, record } = recording(600_000);
    expect(batcher.pending).toBe(false);
    await batcher.settled();
    void record('a');
    expect(batcher.pending).toBe(true);
    await batcher.settled();
    expect(commits).toEqual([['a']]);
  });

  it('retries each write of a failed batch alone, reporting only the one that fails', async () => {
    const committed: string[] = [];
    const errors: string[] = [];
    let current: string[] = [];
    const batcher = new WriteBatcher({
      // Like a database transaction: what the work did is kept only if all of it succeeded.
      transaction: async (work) => {
        current = [];
        await work(tx);
        committed.push(...current);
      },
      onError: (what) => errors.push(what),
    });
    const ok = (name: string) => async () => {
      current.push(name);
    };
    const failing = async () => {
      throw new Error('constraint');
    };
    await Promise.all([
      batcher.write('first', ok('first')),
      batcher.write('bad', failing),
      batcher.write('last', ok('last')),
    ]);
    expect(errors).toEqual(['bad']);
    expect(committed).toEqual(['first', 'last']);
  });

  it('drops writes past its backlog instead of growing without bound', async () => {
    const errors: string[] = [];
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    const batcher = new WriteBatcher({
      transaction: async (work) => {
        await stuck;
        await work(tx);
      },
      onError: (what) => errors.push(what),
      maxQueued: 3,
    });
    const writes = Array.from({ length: 10 }, (_, i) => batcher.write(`w${i}`, async () => {}));
    expect(errors).toHaveLength(7);
    release();
    await Promise.all(writes);
    await batcher.idle();
  });
});
