import { describe, expect, it } from 'vitest';
import { Handoff } from './handoff.ts';

/** Yields 1, then waits for its signal; returns when aborted (as Run.subscribe detaches). */
async function* waiting(signal: AbortSignal) {
  yield 1;
  if (signal.aborted) return;
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function drainAll(events: AsyncGenerator<number>): Promise<number[]> {
  const seen: number[] = [];
  for await (const n of events) seen.push(n);
  return seen;
}

describe('Handoff', () => {
  it('ends every stream on drain, and releases each stream however it ends', async () => {
    const handoff = new Handoff();
    const caller = new AbortController();
    const first = drainAll(handoff.wrap(caller.signal, waiting));
    const second = handoff.wrap(undefined, waiting);
    await second.next();
    expect(handoff.size).toBe(2);
    await second.return(undefined);
    expect(handoff.size).toBe(1);
    handoff.drain();
    expect(await first).toEqual([1]);
    expect(handoff.size).toBe(0);
  });

  it("follows the caller's signal, and opens streams already detached after drain", async () => {
    const handoff = new Handoff();
    const caller = new AbortController();
    const stream = drainAll(handoff.wrap(caller.signal, waiting));
    caller.abort();
    expect(await stream).toEqual([1]);
    handoff.drain();
    let opened: AbortSignal | undefined;
    await drainAll(
      handoff.wrap(undefined, (signal) => {
        opened = signal;
        return waiting(signal);
      }),
    );
    expect(opened?.aborted).toBe(true);
    expect(handoff.size).toBe(0);
  });
});
