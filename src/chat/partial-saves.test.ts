import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PartialSaves } from './partial-saves.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('PartialSaves', () => {
  it('saves every changed text once per interval in one write, none when nothing changed', () => {
    const saves: Array<Array<{ messageId: string; text: string }>> = [];
    const partial = new PartialSaves({ intervalMs: 1000, save: (changed) => saves.push(changed) });
    let a = 'he';
    const b = '';
    partial.add({ messageId: 'a', text: () => a });
    partial.add({ messageId: 'b', text: () => b });
    vi.advanceTimersByTime(999);
    expect(saves).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(saves).toEqual([[{ messageId: 'a', text: 'he' }]]);
    vi.advanceTimersByTime(1000);
    expect(saves).toHaveLength(1);
    a = 'hello';
    vi.advanceTimersByTime(1000);
    expect(saves.at(-1)).toEqual([{ messageId: 'a', text: 'hello' }]);
  });

  it('runs one timer while answers are running and none after the last one ends', () => {
    const save = vi.fn();
    const partial = new PartialSaves({ intervalMs: 1000, save });
    const runs = Array.from({ length: 100 }, (_, i) => ({ messageId: `m${i}`, text: () => 'x' }));
    for (const run of runs) partial.add(run);
    expect(vi.getTimerCount()).toBe(1);
    for (const run of runs) partial.delete(run);
    expect(vi.getTimerCount()).toBe(0);
    expect(partial.size).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(save).not.toHaveBeenCalled();
  });
});
