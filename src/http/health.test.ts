import { describe, expect, it, vi } from 'vitest';
import type { ReadyState } from '../gateway/client.ts';
import { sharedProbe } from './health.ts';

function countingProbe(answers: ReadyState[] = [{ ready: true }]) {
  const calls: Array<(state: ReadyState) => void> = [];
  const probe = vi.fn(
    () =>
      new Promise<ReadyState>((resolve) => {
        calls.push(resolve);
      }),
  );
  const settle = () => calls.shift()?.(answers.shift() ?? { ready: true });
  return { probe, settle };
}

describe('sharedProbe', () => {
  it('concurrent checks share the one probe in flight', async () => {
    const { probe, settle } = countingProbe();
    const check = sharedProbe({ probe, probeTimeoutMs: 1000, cacheMs: 0 });
    const checks = Array.from({ length: 100 }, () => check());
    settle();
    expect(await Promise.all(checks)).toEqual(Array(100).fill({ ready: true }));
    expect(probe).toHaveBeenCalledTimes(1);
  });

  it('reuses an answer for cacheMs, then probes again', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const { probe, settle } = countingProbe([{ ready: false, reason: 'down' }, { ready: true }]);
      const check = sharedProbe({ probe, probeTimeoutMs: 1000, cacheMs: 2000 });
      const first = check();
      settle();
      expect(await first).toEqual({ ready: false, reason: 'down' });
      vi.advanceTimersByTime(1999);
      expect(await check()).toEqual({ ready: false, reason: 'down' });
      expect(probe).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(2);
      const third = check();
      settle();
      expect(await third).toEqual({ ready: true });
      expect(probe).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a probe that throws is "not ready", and the next check probes again', async () => {
    const probe = vi.fn().mockRejectedValueOnce(new Error('boom')).mockResolvedValueOnce({ ready: true });
    const check = sharedProbe({ probe, probeTimeoutMs: 1000, cacheMs: 0 });
    expect(await check()).toEqual({ ready: false, reason: 'gateway unreachable' });
    expect(await check()).toEqual({ ready: true });
  });
});
