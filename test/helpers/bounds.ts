/**
 * Bound checks for the abuse suite: peak RSS growth and worst event-loop delay while something hostile runs.
 * Both are sampled, not timed once, and the assertions built on them use wide margins (a bound an order of
 * magnitude below the unbounded behaviour), so a loaded CI machine cannot make them flaky.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface Bounds<T> {
  value: T;
  /** Highest RSS seen while `work` ran, minus RSS before it, in MiB. */
  rssGrowthMiB: number;
  /** Longest the event loop was blocked while `work` ran, in ms. */
  maxEventLoopDelayMs: number;
  /** Wall time of `work`, in ms (for reports, never for assertions on its own). */
  elapsedMs: number;
}

const MiB = 1024 * 1024;

/** Runs `work` while sampling RSS every `sampleMs` and recording event-loop delay. */
export async function measureBounds<T>(work: () => Promise<T>, sampleMs = 10): Promise<Bounds<T>> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, sampleMs);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const started = performance.now();
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return {
      value,
      rssGrowthMiB: (peak - before) / MiB,
      maxEventLoopDelayMs: delay.max / 1e6,
      elapsedMs: performance.now() - started,
    };
  } finally {
    delay.disable();
    clearInterval(sampler);
  }
}

/** Prints a bounds measurement when ABUSE_REPORT is set (before/after figures for the closing note). */
export function reportBounds(label: string, bounds: Bounds<unknown>): void {
  if (!process.env.ABUSE_REPORT) return;
  const figures = `rss +${bounds.rssGrowthMiB.toFixed(1)} MiB, max loop delay ${bounds.maxEventLoopDelayMs.toFixed(0)} ms, ${bounds.elapsedMs.toFixed(0)} ms`;
  console.log(`[abuse] ${label}: ${figures}`);
}
