import { describe, expect, it } from 'vitest';
import type { Redis } from './connection.ts';
import { TailPool } from './tail-pool.ts';

/** A stand-in for an ioredis connection: duplicate() hands out fresh ones, disconnect() is recorded. */
function fakeBase() {
  const made: Array<{ disconnected: boolean }> = [];
  const base = {
    duplicate() {
      const connection = {
        disconnected: false,
        disconnect() {
          connection.disconnected = true;
        },
      };
      made.push(connection);
      return connection;
    },
  };
  return { base: base as unknown as Redis, made };
}

describe('TailPool', () => {
  it('caps connections in use with a retryable RATE_LIMITED, and reuses released ones', () => {
    const { base, made } = fakeBase();
    const pool = new TailPool(base, 2);
    const first = pool.acquire();
    pool.acquire();
    expect(() => pool.acquire()).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    pool.release(first, false);
    expect(pool.acquire()).toBe(first);
    expect(made).toHaveLength(2);
    expect(pool.inUse).toBe(2);
  });

  it('drops a connection whose blocking read was interrupted, and every idle one on close', () => {
    const { base, made } = fakeBase();
    const pool = new TailPool(base, 4);
    const broken = pool.acquire();
    const idle = pool.acquire();
    pool.release(broken, true);
    pool.release(idle, false);
    expect(made.map((c) => c.disconnected)).toEqual([true, false]);
    pool.close();
    expect(made.map((c) => c.disconnected)).toEqual([true, true]);
    expect(() => pool.acquire()).toThrow(expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' }));
  });
});
