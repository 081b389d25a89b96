/** Scenario 3: added latency per relayed stream delta (FAKE_DELTAS_<n> through /api/chat vs straight to the fake). */
import type { Pool } from 'undici';
import { makePool, median, round } from '../load.ts';
import { cpuMicros, type Proc } from '../processes.ts';
import { directStreamBody, FAKE_HEADERS, restStreamBody, SERVER_HEADERS } from '../requests.ts';

export interface StreamDeltaOptions {
  server: Proc;
  fake: Proc;
  deltas: number;
  repeats: number;
  maxMs: number;
}

export interface StreamDeltaResult {
  deltas: number;
  repeats: number;
  directMs: number[];
  proxiedMs: number[];
  medianDirectMs: number;
  medianProxiedMs: number;
  /** Median over repeats of (proxied − direct) / deltas. */
  addedUsPerDelta: number;
  serverCpuUsPerDelta: number;
}

const DELTA_MARK = '"delta":{"content":" w';

async function timedStream(pool: Pool, path: string, headers: Record<string, string>, body: string) {
  const signal = AbortSignal.timeout(30_000);
  const begin = process.hrtime.bigint();
  const res = await pool.request({ method: 'POST', path, headers, body, signal });
  if (res.statusCode !== 200)
    throw new Error(`${path}: HTTP ${res.statusCode} ${(await res.body.text()).slice(0, 200)}`);
  const chunks: string[] = [];
  for await (const chunk of res.body) chunks.push((chunk as Buffer).toString('utf8'));
  const ms = Number(process.hrtime.bigint() - begin) / 1e6;
  const text = chunks.join('');
  let count = 0;
  for (let at = text.indexOf(DELTA_MARK); at !== -1 && count < 1_000_000; at = text.indexOf(DELTA_MARK, at + 1))
    count++;
  return { ms, count, done: text.includes('[DONE]') };
}

export async function runStreamDeltas(options: StreamDeltaOptions): Promise<StreamDeltaResult> {
  const word = `FAKE_DELTAS_${options.deltas}`;
  const direct = makePool(options.fake.url, 1);
  const proxied = makePool(options.server.url, 1);
  const directMs: number[] = [];
  const proxiedMs: number[] = [];
  const perDelta: number[] = [];
  let serverCpu = 0;
  const deadline = Date.now() + options.maxMs;
  try {
    // One warm-up pair (connections, JIT), not counted.
    await timedStream(direct, '/v1/chat/completions', FAKE_HEADERS, directStreamBody(word));
    await timedStream(proxied, '/api/chat', SERVER_HEADERS, restStreamBody(word));
    for (let i = 0; i < options.repeats && Date.now() < deadline; i++) {
      const d = await timedStream(direct, '/v1/chat/completions', FAKE_HEADERS, directStreamBody(word));
      const cpuBefore = cpuMicros(options.server.pid);
      const p = await timedStream(proxied, '/api/chat', SERVER_HEADERS, restStreamBody(word));
      serverCpu += cpuMicros(options.server.pid) - cpuBefore;
      if (d.count !== options.deltas || p.count !== options.deltas || !d.done || !p.done) {
        throw new Error(
          `stream deltas: expected ${options.deltas} deltas + [DONE], got direct ${d.count}/${d.done}, proxied ${p.count}/${p.done}`,
        );
      }
      directMs.push(round(d.ms, 2));
      proxiedMs.push(round(p.ms, 2));
      perDelta.push(((p.ms - d.ms) * 1000) / options.deltas);
    }
  } finally {
    await Promise.all([direct.close(), proxied.close()]);
  }
  return {
    deltas: options.deltas,
    repeats: directMs.length,
    directMs,
    proxiedMs,
    medianDirectMs: round(median(directMs), 2),
    medianProxiedMs: round(median(proxiedMs), 2),
    addedUsPerDelta: round(median(perDelta), 2),
    serverCpuUsPerDelta: round(serverCpu / Math.max(1, directMs.length) / options.deltas, 2),
  };
}
