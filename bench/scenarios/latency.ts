/** Scenario 2: added p50/p99 latency of `/api/chat` versus calling the fake gateway directly (concurrency 8). */
import { checkedPost, makePool, percentile, round, runLoad } from '../load.ts';
import type { Proc } from '../processes.ts';
import { DIRECT_CHAT_BODY, FAKE_HEADERS, SERVER_HEADERS, SURFACES } from '../requests.ts';

export interface LatencyOptions {
  server: Proc;
  fake: Proc;
  requests: number;
  concurrency: number;
  /** Direct and proxied runs alternate in this many blocks, so drift hits both alike. */
  blocks: number;
  maxMs: number;
}

export interface Percentiles {
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LatencyResult {
  concurrency: number;
  direct: Percentiles;
  proxied: Percentiles;
  addedP50Ms: number;
  addedP99Ms: number;
}

export async function runLatency(options: LatencyOptions): Promise<LatencyResult> {
  const rest = SURFACES.find((s) => s.name === 'rest')!;
  const direct = makePool(options.fake.url, options.concurrency);
  const proxied = makePool(options.server.url, options.concurrency);
  const directTask = checkedPost(direct, '/v1/chat/completions', FAKE_HEADERS, DIRECT_CHAT_BODY, rest.expect);
  const proxiedTask = checkedPost(proxied, rest.path, SERVER_HEADERS, rest.body, rest.expect);
  const lat = { direct: [] as number[], proxied: [] as number[] };
  const errors = { direct: 0, proxied: 0 };
  const perBlock = Math.ceil(options.requests / options.blocks);
  const deadline = Date.now() + options.maxMs;
  try {
    // Warm the direct path's connections too (the proxy's were warmed by the CPU scenario).
    await runLoad({ total: 200, concurrency: options.concurrency, maxMs: 10_000, task: directTask });
    for (let block = 0; block < options.blocks && Date.now() < deadline; block++) {
      for (const [name, task] of [
        ['direct', directTask],
        ['proxied', proxiedTask],
      ] as const) {
        const load = await runLoad({
          total: perBlock,
          concurrency: options.concurrency,
          maxMs: Math.max(1000, deadline - Date.now()),
          task,
        });
        lat[name].push(...load.latenciesUs);
        errors[name] += load.errors;
        if (load.completed === 0) throw new Error(`latency (${name}) failed: ${load.firstError}`);
      }
    }
  } finally {
    await Promise.all([direct.close(), proxied.close()]);
  }
  const summarize = (name: 'direct' | 'proxied'): Percentiles => ({
    requests: lat[name].length,
    errors: errors[name],
    p50Ms: round(percentile(lat[name], 50) / 1000, 3),
    p99Ms: round(percentile(lat[name], 99) / 1000, 3),
  });
  const d = summarize('direct');
  const p = summarize('proxied');
  return {
    concurrency: options.concurrency,
    direct: d,
    proxied: p,
    addedP50Ms: round(p.p50Ms - d.p50Ms, 3),
    addedP99Ms: round(p.p99Ms - d.p99Ms, 3),
  };
}
