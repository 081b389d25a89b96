/** The load generator: keep-alive undici pools, a bounded concurrency loop, percentiles. */
import { Pool } from 'undici';

export function makePool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
}

export interface TextResponse {
  status: number;
  text: string;
}

export async function post(
  pool: Pool,
  path: string,
  headers: Record<string, string>,
  body: string,
  signal?: AbortSignal,
): Promise<TextResponse> {
  const res = await pool.request({ method: 'POST', path, headers, body, ...(signal ? { signal } : {}) });
  const text = await res.body.text();
  return { status: res.statusCode, text };
}

/** A request that must answer 200 with `expect` somewhere in the body. */
export function checkedPost(
  pool: Pool,
  path: string,
  headers: Record<string, string>,
  body: string,
  expect: string,
): () => Promise<void> {
  return async () => {
    const res = await post(pool, path, headers, body);
    if (res.status !== 200 || !res.text.includes(expect)) {
      throw new Error(`${path}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    }
  };
}

export interface LoadResult {
  requested: number;
  completed: number;
  errors: number;
  firstError: string | undefined;
  elapsedMs: number;
  /** Per successful request, microseconds. */
  latenciesUs: number[];
}

export interface LoadOptions {
  total: number;
  concurrency: number;
  /** Hard stop: no new request starts after this. */
  maxMs: number;
  task: () => Promise<void>;
}

/** `concurrency` workers run `task` until `total` requests were started or `maxMs` passed. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latenciesUs: number[] = [];
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = process.hrtime.bigint();
  const deadline = Date.now() + options.maxMs;
  const worker = async () => {
    while (started < options.total && Date.now() < deadline) {
      started++;
      const begin = process.hrtime.bigint();
      try {
        await options.task();
        latenciesUs.push(Number(process.hrtime.bigint() - begin) / 1000);
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
        // Do not spin on a dead target.
        if (errors > 50 && errors > started / 10) break;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return {
    requested: started,
    completed: latenciesUs.length,
    errors,
    firstError,
    elapsedMs: Number(process.hrtime.bigint() - t0) / 1e6,
    latenciesUs,
  };
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const round = (value: number, digits = 1) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** Smallest and largest value ([NaN, NaN] when empty). */
export function range(values: readonly number[]): [number, number] {
  if (values.length === 0) return [Number.NaN, Number.NaN];
  return [Math.min(...values), Math.max(...values)];
}

/** `items` rotated left by `by` (round r of an interleaved run starts with item r). */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const n = items.length;
  if (n === 0) return [];
  const k = ((by % n) + n) % n;
  return [...items.slice(k), ...items.slice(0, k)];
}
