import { createHash } from 'node:crypto';
import type { Principal } from './principal.ts';

/**
 * The gateway lowercases session keys and shares them across agents' callers, so a client's `user`
 * (often a mixed-case WeChat openid) is hashed together with the principal: two API keys can never
 * reach the same OpenClaw session, and case is preserved.
 */
export function sessionKeyFor(principal: Principal, user: string): string {
  const digest = createHash('sha256').update(principal.id).update('\0').update(user).digest('hex');
  return `minipro-${digest.slice(0, 40)}`;
}

/** Resolves with `previous`, or rejects with the signal's reason as soon as it aborts (dropping its listener either way). */
function waitFor(previous: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return previous;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    previous.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/**
 * Runs one task at a time per key: the gateway races concurrent first turns of a new session into a 500.
 * A task whose signal aborts while it waits leaves the queue at once (the tasks after it still wait for the
 * ones before it), so a cancelled turn does not stay reachable until the turn ahead of it ends.
 */
export class KeyedSerializer {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.#tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous ? previous.then(() => mine) : mine;
    this.#tails.set(key, tail);
    try {
      if (previous) await waitFor(previous, signal);
      return await task();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  get size(): number {
    return this.#tails.size;
  }
}
