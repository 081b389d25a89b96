import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deferred, tick } from '../../test/helpers/async.ts';
import { KeyedSerializer, sessionKeyFor } from './session.ts';

const alice = { id: 'key_aaaaaaaaaaaa' };
const bob = { id: 'key_bbbbbbbbbbbb' };

describe('sessionKeyFor', () => {
  it('is stable', () => {
    expect(sessionKeyFor(alice, 'oGZUI0egBJY1zhBYw2KhdUfwVJJE')).toBe(
      sessionKeyFor(alice, 'oGZUI0egBJY1zhBYw2KhdUfwVJJE'),
    );
  });

  it('has the documented shape and is lowercase-safe', () => {
    expect(sessionKeyFor(alice, 'User-1')).toMatch(/^minipro-[0-9a-f]{40}$/);
  });

  it('differs per principal for the same user', () => {
    expect(sessionKeyFor(alice, 'u1')).not.toBe(sessionKeyFor(bob, 'u1'));
  });

  it('differs for users that differ only in case (the gateway lowercases keys)', () => {
    expect(sessionKeyFor(alice, 'oAbC')).not.toBe(sessionKeyFor(alice, 'oabc'));
  });

  it('does not leak the user or principal id', () => {
    const key = sessionKeyFor(alice, 'secret-openid');
    expect(key).not.toContain('secret');
    expect(key).not.toContain('aaaaaaaaaaaa');
  });

  it('is not ambiguous at the principal/user boundary', () => {
    expect(sessionKeyFor({ id: 'ab' }, 'c')).not.toBe(sessionKeyFor({ id: 'a' }, 'bc'));
  });

  it('property: always [a-z0-9-] only, equal to its lowercase form, distinct for distinct users', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (u1, u2) => {
        const k1 = sessionKeyFor(alice, u1);
        expect(k1).toMatch(/^[a-z0-9-]+$/);
        expect(k1.toLowerCase()).toBe(k1);
        if (u1 !== u2) expect(sessionKeyFor(alice, u2)).not.toBe(k1);
      }),
    );
  });
});

describe('KeyedSerializer', () => {
  it('runs tasks for one key one at a time, in order', async () => {
    const serializer = new KeyedSerializer();
    const log: string[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const runs = gates.map((gate, i) =>
      serializer.run('k', async () => {
        log.push(`start ${i}`);
        await gate.promise;
        log.push(`end ${i}`);
        return i;
      }),
    );
    await tick();
    expect(log).toEqual(['start 0']);
    gates[2]!.resolve();
    gates[1]!.resolve();
    await tick();
    expect(log).toEqual(['start 0']);
    gates[0]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
    expect(serializer.size).toBe(0);
  });

  it('runs different keys in parallel', async () => {
    const serializer = new KeyedSerializer();
    const a = deferred<string>();
    const log: string[] = [];
    const first = serializer.run('a', async () => {
      log.push('a start');
      return a.promise;
    });
    const second = serializer.run('b', async () => {
      log.push('b start');
      return 'b';
    });
    expect(await second).toBe('b');
    expect(log).toEqual(['a start', 'b start']);
    expect(serializer.size).toBe(1);
    a.resolve('a');
    expect(await first).toBe('a');
    expect(serializer.size).toBe(0);
  });

  it('survives a rejecting task: its caller gets the error, the next task still runs', async () => {
    const serializer = new KeyedSerializer();
    const failing = serializer.run('k', async () => {
      throw new Error('boom');
    });
    const next = serializer.run('k', async () => 'ok');
    await expect(failing).rejects.toThrow('boom');
    expect(await next).toBe('ok');
    expect(serializer.size).toBe(0);
  });

  it('survives a task that throws synchronously', async () => {
    const serializer = new KeyedSerializer();
    const failing = serializer.run('k', (() => {
      throw new Error('sync');
    }) as () => Promise<never>);
    await expect(failing).rejects.toThrow('sync');
    expect(await serializer.run('k', async () => 1)).toBe(1);
    expect(serializer.size).toBe(0);
  });

  it('a new task after the queue drained runs at once', async () => {
    const serializer = new KeyedSerializer();
    await serializer.run('k', async () => 1);
    expect(serializer.size).toBe(0);
    const log: string[] = [];
    const p = serializer.run('k', async () => {
      log.push('ran');
    });
    await tick();
    expect(log).toEqual(['ran']);
    await p;
  });

  it('property: under random completion orders, per-key order holds, no overlap, size returns to 0', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.boolean()), { minLength: 1, maxLength: 12 }),
        async (s, tasks) => {
          const serializer = new KeyedSerializer();
          const running = new Map<string, number>();
          const started: Record<string, number[]> = { a: [], b: [], c: [] };
          const runs = tasks.map(([key, fails], index) =>
            serializer
              .run(key, async () => {
                running.set(key, (running.get(key) ?? 0) + 1);
                expect(running.get(key)).toBe(1);
                started[key]!.push(index);
                await s.schedule(Promise.resolve(), `${key}${index}`);
                running.set(key, (running.get(key) ?? 0) - 1);
                if (fails) throw new Error(`task ${index}`);
                return index;
              })
              .then(
                (v) => ({ ok: v }),
                (e: Error) => ({ err: e.message }),
              ),
          );
          await s.waitFor(Promise.all(runs));
          const results = await Promise.all(runs);
          results.forEach((r, i) => {
            expect(r).toEqual(tasks[i]![1] ? { err: `task ${i}` } : { ok: i });
          });
          for (const key of ['a', 'b', 'c']) {
            const submitted = tasks.flatMap(([k], i) => (k === key ? [i] : []));
            expect(started[key]).toEqual(submitted);
          }
          expect(serializer.size).toBe(0);
        },
      ),
    );
  });
});

describe('KeyedSerializer with a signal', () => {
  it('a waiting task that aborts leaves at once, and the next one still waits for the running one', async () => {
    const serializer = new KeyedSerializer();
    const gate = deferred<void>();
    const order: string[] = [];
    const first = serializer.run('k', async () => {
      await gate.promise;
      order.push('first');
    });
    const controller = new AbortController();
    const second = serializer.run('k', async () => order.push('second'), controller.signal);
    const third = serializer.run('k', async () => order.push('third'));
    controller.abort(new Error('cancelled'));
    await expect(second).rejects.toThrow('cancelled');
    await tick();
    expect(order).toEqual([]);
    gate.resolve();
    await Promise.all([first, third]);
    expect(order).toEqual(['first', 'third']);
    expect(serializer.size).toBe(0);
  });
});
