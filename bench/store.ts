/**
 * `npm run bench:store`: only the store scenario of `npm run bench` (scenarios/store.ts), for a quick figure: server
 * CPU per persisted GraphQL sendChat on SQLite vs the same call with DATABASE_URL=none (both servers loaded at once,
 * after a warm-up of 20,000 requests each), and RSS under a sustained load of new conversations. `BENCH_QUICK=1` for
 * a shorter run.
 */
import { round } from './load.ts';
import { buildServer, startFake, stopAll } from './processes.ts';
import { measureStore } from './scenarios/store.ts';

const QUICK = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
const CONFIG = QUICK
  ? { warmup: 10_000, rounds: 16, requests: 500, newBlocks: 4, newRequests: 1000 }
  : { warmup: 40_000, rounds: 40, requests: 750, newBlocks: 6, newRequests: 2000 };

try {
  buildServer();
  const fake = await startFake();
  const result = await measureStore(fake, {
    warmup: CONFIG.warmup,
    rounds: CONFIG.rounds,
    requests: CONFIG.requests,
    concurrency: 8,
    newConversations: { blocks: CONFIG.newBlocks, requests: CONFIG.newRequests },
  });
  process.stdout.write(
    [
      `Store share of a persisted GraphQL sendChat (SQLite, c=8): ${result.storeShareUs} µs per turn (rounds ${result.storeShareRangeUs.join('–')} µs; mean over all rounds ${result.meanShareUs} µs)`,
      `  server CPU per request: ${result.storedCpuUs} µs with the store, ${result.statelessCpuUs} µs without (per round: ${result.perRound.map((r) => `${r.storedCpuUs}/${r.statelessCpuUs}`).join(', ')})`,
      `  RSS under ${result.newConversations} new conversations: ${result.rssAfterBlocksMb.join(' → ')} MB (growth ${round(result.rssAfterBlocksMb.at(-1)! - result.rssAfterBlocksMb[0]!)} MB after the first block)`,
      `  errors: ${result.errors}${result.firstError ? ` (${result.firstError})` : ''}`,
      '',
    ].join('\n'),
  );
} finally {
  await stopAll();
}
