/**
 * `node bench/store-profile.ts [warmup] [requests]`: CPU profiles (`--cpu-prof`) of the two servers of the store
 * scenario (SQLite, and DATABASE_URL=none) under the same load, and the difference in self time per request by
 * package and by function: where the store's share goes.
 */
import { join } from 'node:path';
import { makePool, round, runLoad } from './load.ts';
import { buildServer, ROOT, startFake, stopAll } from './processes.ts';
import { hrtimeUs, type ProfileSummary, profileServer } from './profile.ts';
import { continuingTask, statelessTask } from './scenarios/store.ts';

const warmup = Number(process.argv[2] ?? 4000);
const requests = Number(process.argv[3] ?? 8000);
const CONCURRENCY = 8;
const dir = join(ROOT, 'bench/results/profiles');

try {
  buildServer();
  const fake = await startFake();
  const profile = (side: 'stored' | 'stateless') =>
    profileServer({
      fake,
      name: `store-${side}`,
      label: side,
      dir,
      top: 80,
      env: side === 'stateless' ? { DATABASE_URL: 'none' } : undefined,
      run: async (server) => {
        const pool = makePool(server.url, CONCURRENCY);
        try {
          const task = side === 'stored' ? await continuingTask(pool, CONCURRENCY) : statelessTask(pool);
          await runLoad({ total: warmup, concurrency: CONCURRENCY, maxMs: 300_000, task });
          const fromUs = hrtimeUs();
          const load = await runLoad({ total: requests, concurrency: CONCURRENCY, maxMs: 300_000, task });
          return { requests: load.completed, fromUs, toUs: hrtimeUs() };
        } finally {
          await pool.close();
        }
      },
    });
  const stored = await profile('stored');
  const stateless = await profile('stateless');
  const perRequest = (s: ProfileSummary, list: 'byPackage' | 'topFunctions') =>
    new Map(s[list].map((e) => [e.name, (e.selfMs * 1000) / s.requests]));
  const lines = [`busy per request: ${stored.busyUsPerRequest} µs stored, ${stateless.busyUsPerRequest} µs stateless`];
  for (const list of ['byPackage', 'topFunctions'] as const) {
    const a = perRequest(stored, list);
    const b = perRequest(stateless, list);
    const names = new Set([...a.keys(), ...b.keys()]);
    const rows = [...names]
      .map((n) => ({ n, a: a.get(n) ?? 0, b: b.get(n) ?? 0 }))
      .sort((x, y) => y.a - y.b - (x.a - x.b));
    lines.push(`\n${list} (µs per request: stored / stateless / difference)`);
    for (const r of rows) lines.push(`  ${round(r.a)} / ${round(r.b)} / ${round(r.a - r.b)}  ${r.n}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await stopAll();
}
