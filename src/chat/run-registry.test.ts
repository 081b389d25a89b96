import { afterEach, describe, expect, it } from 'vitest';
import { thrown } from '../../test/helpers/app-error.ts';
import { tick } from '../../test/helpers/async.ts';
import type { ChatResult } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import { Run } from './run.ts';
import { RunRegistry, type RunRegistryOptions } from './run-registry.ts';

const alice = { id: 'key_alice' };
const bob = { id: 'key_bob' };

const registries: RunRegistry[] = [];
function registry(options: Partial<RunRegistryOptions> = {}): RunRegistry {
  const r = new RunRegistry({
    retentionMs: 60_000,
    maxRetainedBytes: 1_000_000,
    maxActiveRunsPerPrincipal: 4,
    ...options,
  });
  registries.push(r);
  return r;
}
afterEach(() => {
  for (const r of registries.splice(0)) r.close();
});

function result(run: Run): ChatResult {
  return {
    runId: run.id,
    model: run.model,
    message: { role: 'assistant', content: '' },
    finishReason: 'stop',
    usage: null,
    attachments: [],
    aiGenerated: true,
    label: null,
  };
}

/** A run with a started event (256 bytes); complete() adds 256 more with empty content. */
function started(principalId: string): Run {
  const run = new Run(principalId, 'openclaw');
  run.emit({ type: 'started' });
  return run;
}
async function complete(run: Run): Promise<void> {
  run.emit({ type: 'completed', result: result(run) });
  await tick();
}

describe('RunRegistry', () => {
  it('get returns the principal’s own run', () => {
    const runs = registry();
    const run = started(alice.id);
    runs.add(run);
    expect(runs.get(alice, run.id)).toBe(run);
    expect(runs.size).toBe(1);
  });

  it('a foreign principal gets NOT_FOUND, like an unknown id', () => {
    const runs = registry();
    const run = started(alice.id);
    runs.add(run);
    const foreign = thrown(() => runs.get(bob, run.id));
    const unknown = thrown(() => runs.get(alice, 'nope'));
    expect(foreign.code).toBe('NOT_FOUND');
    expect(foreign.status).toBe(404);
    expect(foreign.message).toBe(unknown.message);
  });

  it('caps active runs per principal with RATE_LIMITED, freeing a slot when a run ends', async () => {
    const runs = registry({ maxActiveRunsPerPrincipal: 2 });
    const a1 = started(alice.id);
    const a2 = started(alice.id);
    runs.add(a1);
    runs.add(a2);
    const error = thrown(() => runs.add(started(alice.id)));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(2);
    runs.add(started(bob.id)); // other principals are unaffected
    await complete(a1);
    runs.add(started(alice.id));
    a2.cancel();
    await tick();
    runs.add(started(alice.id));
    expect(() => runs.add(started(alice.id))).toThrow(AppError);
  });

  it('a failed run frees its slot too', async () => {
    const runs = registry({ maxActiveRunsPerPrincipal: 1 });
    const run = started(alice.id);
    runs.add(run);
    run.fail(new AppError('UPSTREAM_FAILED', 'x'));
    await tick();
    expect(() => runs.add(started(alice.id))).not.toThrow();
  });

  it('sweep removes finished runs after the retention time, never running ones', async () => {
    const runs = registry({ retentionMs: 1_000 });
    const done = started(alice.id);
    const running = started(alice.id);
    runs.add(done);
    runs.add(running);
    await complete(done);
    const finishedAt = done.finishedAt!;
    runs.sweep(finishedAt + 999);
    expect(runs.get(alice, done.id)).toBe(done);
    runs.sweep(finishedAt + 1_000);
    expect(thrown(() => runs.get(alice, done.id)).code).toBe('NOT_FOUND');
    runs.sweep(finishedAt + 10_000_000);
    expect(runs.get(alice, running.id)).toBe(running);
    expect(runs.size).toBe(1);
  });

  it('the memory bound evicts the oldest finished runs first, never running ones', async () => {
    // Each finished run here retains 2,560 bytes (2 kB of objects, started + completed with empty content).
    const runs = registry({ maxRetainedBytes: 5_500 });
    const oldRunning = started(alice.id);
    runs.add(oldRunning);
    const r1 = started(alice.id);
    const r2 = started(alice.id);
    const r3 = started(bob.id);
    runs.add(r1);
    runs.add(r2);
    runs.add(r3);
    await complete(r1);
    await complete(r2);
    expect(runs.size).toBe(4);
    await complete(r3);
    expect(runs.size).toBe(3);
    expect(thrown(() => runs.get(alice, r1.id)).code).toBe('NOT_FOUND');
    expect(runs.get(alice, r2.id)).toBe(r2);
    expect(runs.get(bob, r3.id)).toBe(r3);
    expect(runs.get(alice, oldRunning.id)).toBe(oldRunning);
  });

  it('swept runs stop counting against the memory bound', async () => {
    const runs = registry({ maxRetainedBytes: 5_500, retentionMs: 1_000 });
    const r1 = started(alice.id);
    const r2 = started(alice.id);
    runs.add(r1);
    runs.add(r2);
    await complete(r1);
    await complete(r2);
    runs.sweep(Date.now() + 1_000_000);
    expect(runs.size).toBe(0);
    const next = Array.from({ length: 2 }, () => started(alice.id));
    for (const r of next) runs.add(r);
    for (const r of next) await complete(r);
    expect(runs.size).toBe(2);
  });

  it('close stops whatever is running with a retryable UPSTREAM_UNAVAILABLE, not CANCELLED', async () => {
    const runs = registry();
    const run = started(alice.id);
    runs.add(run);
    runs.close();
    expect(run.status).toBe('failed');
    expect(run.signal.aborted).toBe(true);
    await expect(run.result).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503 });
  });
});

describe('RunRegistry per-user cap', () => {
  const forUser = (principalId: string, user: string | undefined) => {
    const run = new Run(principalId, 'openclaw', { user });
    run.emit({ type: 'started' });
    return run;
  };

  it('one user hitting its cap leaves the key’s other users (and user-less calls) room, naming the limit', async () => {
    const runs = registry({ maxActiveRunsPerPrincipal: 10, maxActiveRunsPerUser: 2 });
    const first = forUser(alice.id, 'u1');
    runs.add(first);
    runs.add(forUser(alice.id, 'u1'));
    const error = thrown(() => runs.add(forUser(alice.id, 'u1')));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfter).toBeGreaterThan(0);
    expect(error.message).toMatch(/per-user limit/);
    runs.add(forUser(alice.id, 'u2'));
    runs.add(forUser(alice.id, undefined));
    runs.add(forUser(bob.id, 'u1'));
    await complete(first);
    runs.add(forUser(alice.id, 'u1'));
  });

  it('the key-wide cap stays the ceiling across users', () => {
    const runs = registry({ maxActiveRunsPerPrincipal: 3, maxActiveRunsPerUser: 2 });
    for (const user of ['u1', 'u2', 'u3']) runs.add(forUser(alice.id, user));
    expect(thrown(() => runs.add(forUser(alice.id, 'u4'))).message).toMatch(/per-key limit/);
    expect(runs.activeFor(alice.id)).toBe(3);
  });
});
