import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadExampleModule } from './example-project.ts';

type SetData = (data: Record<string, unknown>) => void;
const { throttledSetData } = (await loadExampleModule('utils/throttle.ts')) as {
  throttledSetData(
    setData: SetData,
    intervalMs?: number,
  ): {
    set(path: string, value: unknown): void;
    flush(): void;
    cancel(): void;
  };
};

describe('example setData throttle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the latest value of each path at most once per interval', () => {
    const calls: Record<string, unknown>[] = [];
    const setter = throttledSetData((data) => calls.push(data), 80);
    setter.set('messages[1].text', 'a');
    setter.set('messages[1].text', 'ab');
    setter.set('messages[1].tool', 't');
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(80);
    expect(calls).toEqual([{ 'messages[1].text': 'ab', 'messages[1].tool': 't' }]);
    setter.set('messages[1].text', 'abc');
    setter.flush();
    expect(calls.at(-1)).toEqual({ 'messages[1].text': 'abc' });
    vi.advanceTimersByTime(200);
    expect(calls).toHaveLength(2);
  });

  it('drops what is queued on cancel (page unloaded)', () => {
    const calls: unknown[] = [];
    const setter = throttledSetData((data) => calls.push(data), 80);
    setter.set('x', 1);
    setter.cancel();
    vi.advanceTimersByTime(200);
    expect(calls).toEqual([]);
  });
});
