import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admission } from '../../src/chat/admission.ts';
import { RunSlots } from '../../src/limits/run-slots.ts';
import { SharedConcurrency } from '../../src/limits/shared-concurrency.ts';
import { connectRedis, ready } from '../../src/redis/connection.ts';
import { dropPrefix, redisSkipReason, redisTitle, redisUrl, uniquePrefix } from '../helpers/redis.ts';

const LEASE_MS = 1_000;

describe.skipIf(redisSkipReason !== undefined)(redisTitle('runs in flight counted in Redis (REDIS_URL)'), () => {
  const prefix = uniquePrefix();
  let a: Redis;
  let b: Redis;
  const open: RunSlots[] = [];
  const slots = (redis: Redis, leaseMs = LEASE_MS) => {
    const made = new RunSlots({ redis, keyPrefix: prefix, leaseMs, onError: () => {} });
    open.push(made);
    return made;
  };

  beforeAll(async () => {
    a = connectRedis(redisUrl ?? '');
    b = connectRedis(redisUrl ?? '');
    await Promise.all([ready(a), ready(b)]);
  });
  afterAll(async () => {
    for (const s of open) s.close();
    a?.disconnect();
    b?.disconnect();
    await dropPrefix(prefix);
  });

  it('shares one ceiling between instances, names the full one, and frees a slot when released', async () => {
    const here = slots(a);
    const there = slots(b);
    const limits = [
      { key: 'key_x:u1', max: 2 },
      { key: 'key_x', max: 3 },
    ];
    const first = await here.acquire(limits);
    expect(first).toHaveProperty('token');
    expect(await there.acquire(limits)).toHaveProperty('token');
    expect(await there.acquire(limits)).toEqual({ refused: 0 });
    expect(await there.acquire([{ key: 'key_x:u2', max: 2 }, limits[1]!])).toHaveProperty('token');
    expect(await here.acquire([{ key: 'key_x:u3', max: 2 }, limits[1]!])).toEqual({ refused: 1 });
    // A refusal takes nothing: u3 has no slot counted.
    expect(await a.zcard(`${prefix}runs:key_x:u3`)).toBe(0);
    if ('token' in first) here.release(first.token);
    await expect.poll(() => a.zcard(`${prefix}runs:key_x`)).toBe(2);
    expect(await there.acquire(limits)).toHaveProperty('token');
  });

  it("keeps a live holder's slots past the lease, and stops counting a dead holder's within it", async () => {
    const live = slots(a);
    const dead = slots(b);
    const limits = [{ key: 'key_lease', max: 2 }];
    expect(await live.acquire(limits)).toHaveProperty('token');
    expect(await dead.acquire(limits)).toHaveProperty('token');
    dead.close(); // stops renewing, as a killed instance would
    expect(await live.acquire(limits)).toEqual({ refused: 0 });
    await expect
      .poll(async () => live.acquire(limits), { timeout: LEASE_MS * 3, interval: 100 })
      .toHaveProperty('token');
    // The live holder's first slot was renewed all along: the ceiling is full again.
    expect(await live.acquire(limits)).toEqual({ refused: 0 });
  });

  it('as admission: reserve refuses with RATE_LIMITED and the limit named, settle and refund give slots back', async () => {
    const rejected: string[] = [];
    const inner: Admission = { admit: async () => ({ maxActiveRuns: 1 }) };
    const gate = new SharedConcurrency(inner, {
      slots: slots(a),
      ceilings: { maxActiveRunsPerPrincipal: 5, maxActiveRunsPerUser: 3 },
      onRejected: (limiter) => rejected.push(limiter),
    });
    const user = { id: 'user_gate', kind: 'user' as const };
    const first = await gate.admit(user);
    await first.reserve?.(undefined);
    const second = await gate.admit(user);
    const refusal = await second.reserve?.(undefined).catch((error) => error);
    expect(refusal).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/per-user limit/) });
    expect(rejected).toEqual(['runs_per_user']);
    first.settle?.(10);
    await expect.poll(() => a.zcard(`${prefix}runs:user_gate`)).toBe(0);
    await second.reserve?.(undefined);
    second.refund?.();
    await expect.poll(() => a.zcard(`${prefix}runs:user_gate`)).toBe(0);
  });

  it('lets a turn through, counted by the instance alone, while Redis is unreachable', async () => {
    const errors: unknown[] = [];
    const unreachable = new Redis(redisUrl ?? '', { lazyConnect: true, enableOfflineQueue: false });
    const gate = new SharedConcurrency(
      { admit: async () => ({}) },
      { slots: slots(unreachable), ceilings: { maxActiveRunsPerPrincipal: 1 }, onError: (e) => errors.push(e) },
    );
    const ticket = await gate.admit({ id: 'key_down' });
    await ticket.reserve?.(undefined);
    expect(errors).toHaveLength(1);
    expect(() => ticket.refund?.()).not.toThrow();
  });
});
