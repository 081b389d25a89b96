/**
 * Scenario 2: added p50/p99 latency of `/api/chat` versus calling the fake gateway directly.
 *
 * Direct and proxied blocks alternate (ABBA order: direct first in even blocks, proxied first in odd ones), each
 * block gets its own p50/p99, and the figures are medians over blocks, so one disturbed block cannot move them.
 */
import { checkedPost, makePool, median, percentile, range, round, runLoad } from '../load.ts';
import type { Proc } from '../processes.ts';
import { DIRECT_CHAT_BODY, FAKE_HEADERS, SERVER_HEADERS, SURFACES } from '../requests.ts';

export interface LatencyOptions {
  server: Proc;
  fake: Proc;
  /** Requests per block. */
  requests: number;
  concurrency: number;
  /** Blocks per path (direct and proxied each run this many). */
  blocks: number;
  /** Warm-up requests per path before the first block. */
  warmup: number;
  maxMs: number;
}

export interface PathLatency {
  blocks: number;
  requests: number;
  errors: number;
  /** Medians over blocks of the per-block percentiles. */
  p50Ms: number;
  p99Ms: number;
  p50RangeMs: [number, number];
  p99RangeMs: [number, number];
  perBlockP50Ms: number[];
  perBlockP99Ms: number[];
}

export interface LatencyResult {
  concurrency: number;
  requestsPerBlock: number;
  direct: PathLatency;
  proxied: PathLatency;
  /** Median proxied − median direct. */
  addedP50Ms: number;
  addedP99Ms: number;
  /** Per block pair (proxied − direct), min–max: how much the added figure moves between neighbouring blocks. */
  pairAddedP50RangeMs: [number, number];
  pairAddedP99RangeMs: [number, number];
}

type PathName = 'direct' | 'proxied';

export async function runLatency(options: LatencyOptions): Promise<LatencyResult> {
  const rest = SURFACES.find((s) => s.name === 'rest')!;
  const direct = makePool(options.fake.url, options.concurrency);
  const proxied = makePool(options.server.url, options.concurrency);
  const tasks = {
    direct: checkedPost(direct, '/v1/chat/completions', FAKE_HEADERS, DIRECT_CHAT_BODY, rest.expect),
    proxied: checkedPost(proxied, rest.path, SERVER_HEADERS, rest.body, rest.expect),
  };
  const perBlock: Record<PathName, Array<{ p50: number; p99: number }>> = { direct: [], proxied: [] };
  const requests = { direct: 0, proxied: 0 };
  const errors = { direct: 0, proxied: 0 };
  const deadline = Date.now() + options.maxMs;
  const { concurrency } = options;
  try {
    for (const name of ['direct', 'proxied'] as const) {
      const warm = await runLoad({ total: options.warmup, concurrency, maxMs: 20_000, task: tasks[name] });
      if (warm.completed === 0) throw new Error(`latency warm-up (${name}) failed: ${warm.firstError}`);
    }
    for (let block = 0; block < options.blocks; block++) {
      if (block > 0 && Date.now() >= deadline) break;
      const order: PathName[] = block % 2 === 0 ? ['direct', 'proxied'] : ['proxied', 'direct'];
      for (const name of order) {
        const load = await runLoad({
          total: options.requests,
          concurrency,
          maxMs: Math.max(2000, deadline - Date.now()),
          task: tasks[name],
        });
        if (load.completed === 0) throw new Error(`latency (${name}) failed: ${load.firstError}`);
        perBlock[name].push({
          p50: percentile(load.latenciesUs, 50) / 1000,
          p99: percentile(load.latenciesUs, 99) / 1000,
        });
        requests[name] += load.completed;
        errors[name] += load.errors;
      }
    }
  } finally {
    await Promise.all([direct.close(), proxied.close()]);
  }
  const summarize = (name: PathName): PathLatency => {
    const p50 = perBlock[name].map((b) => round(b.p50, 3));
    const p99 = perBlock[name].map((b) => round(b.p99, 3));
    return {
      blocks: p50.length,
      requests: requests[name],
      errors: errors[name],
      p50Ms: round(median(p50), 3),
      p99Ms: round(median(p99), 3),
      p50RangeMs: range(p50),
      p99RangeMs: range(p99),
      perBlockP50Ms: p50,
      perBlockP99Ms: p99,
    };
  };
  const d = summarize('direct');
  const p = summarize('proxied');
  const pairs = perBlock.proxied.map((b, i) => ({
    p50: round(b.p50 - perBlock.direct[i]!.p50, 3),
    p99: round(b.p99 - perBlock.direct[i]!.p99, 3),
  }));
  return {
    concurrency,
    requestsPerBlock: options.requests,
    direct: d,
    proxied: p,
    addedP50Ms: round(p.p50Ms - d.p50Ms, 3),
    addedP99Ms: round(p.p99Ms - d.p99Ms, 3),
    pairAddedP50RangeMs: range(pairs.map((x) => x.p50)),
    pairAddedP99RangeMs: range(pairs.map((x) => x.p99)),
  };
}
