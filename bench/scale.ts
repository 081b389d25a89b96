/**
 * `npm run bench:scale`: two built instances sharing Redis (BENCH_REDIS_URL, else TEST_REDIS_URL, else
 * redis://127.0.0.1:6379) and PostgreSQL when BENCH_DATABASE_URL names a database for it (else each keeps no
 * store): REST stream throughput with requests alternating between them, and the Redis path's added latency per
 * relayed delta (target < 1 ms at p50). `BENCH_QUICK=1` for a shorter run. The machine is shared: indicative.
 */
import { randomBytes } from 'node:crypto';
import { buildServer, startFake, startServer, stopAll } from './processes.ts';
import { runTwoInstances } from './scenarios/two-instances.ts';

const QUICK = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
const CONFIG = QUICK
  ? { throughputRequests: 600, relayRuns: 3, deltas: 200 }
  : { throughputRequests: 2000, relayRuns: 8, deltas: 300 };
const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'none';
const TARGET_P50_MS = 1;

try {
  buildServer();
  const fake = await startFake();
  const env = {
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `minipro-bench-${randomBytes(4).toString('hex')}:`,
    DATABASE_URL: databaseUrl,
  };
  const a = await startServer({ gatewayUrl: fake.url, env, name: 'A' });
  const b = await startServer({ gatewayUrl: fake.url, env, name: 'B' });
  const r = await runTwoInstances({ a, b, concurrency: 8, paceMs: 5, ...CONFIG });
  const store = databaseUrl === 'none' ? 'no store' : 'PostgreSQL';
  process.stdout.write(
    [
      `Two instances, Redis ${new URL(redisUrl).host}, ${store}${QUICK ? ' (BENCH_QUICK)' : ''}:`,
      `  throughput, REST streams of 20 deltas alternating A/B at c=8: ${r.streamsPerSecond} streams/s (${r.deltasPerSecond} deltas/s), ${r.streamErrors} errors${r.firstError ? ` (${r.firstError})` : ''}`,
      `  Redis path added latency per relayed delta (B minus A, ${r.relayedDeltas} deltas paced 5 ms): p50 ${r.addedP50Ms} ms, p90 ${r.addedP90Ms} ms (per run p50: ${r.perRunP50Ms.join(', ')} ms) — target < ${TARGET_P50_MS} ms at p50: ${r.addedP50Ms < TARGET_P50_MS ? 'OK' : 'MISS'}`,
      '',
    ].join('\n'),
  );
} finally {
  await stopAll();
}
