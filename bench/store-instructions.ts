/**
 * `npm run bench:store:instructions`: the store's share of a persisted GraphQL sendChat in user-space instructions,
 * which a shared, loaded machine does not blur the way it blurs CPU time. Each server (SQLite store, and
 * DATABASE_URL=none) runs under valgrind's callgrind with instrumentation off; after a warm-up at native-ish speed
 * it is switched on for the measured requests only. Kernel work (the WAL's writes) is not counted: the CPU-time
 * figure of `npm run bench:store` includes it. Needs valgrind. Takes about 3 minutes.
 * `node bench/store-instructions.ts [warmup] [requests]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePool, runLoad } from './load.ts';
import { buildServer, type Proc, startFake, startServer, stopAll, stopProc } from './processes.ts';
import { continuingTask, statelessTask } from './scenarios/store.ts';

const warmup = Number(process.argv[2] ?? 3000);
const requests = Number(process.argv[3] ?? 600);
const CONCURRENCY = 8;
const dir = mkdtempSync(join(tmpdir(), 'minipro-callgrind-'));
// vgdb finds the server by a file named after HOST, which the server's environment sets.
const control = (pid: number, ...args: string[]) =>
  execFileSync('callgrind_control', [...args, String(pid)], {
    env: { ...process.env, HOST: '127.0.0.1' },
    stdio: 'ignore',
  });

interface Count {
  /** The event loop's thread: what a request costs where it is served. */
  main: number;
  /** Every thread, including V8's compiler and GC helpers (noisier: compilation still runs in bursts). */
  all: number;
}

async function instructionsPerRequest(fake: Proc, side: 'stored' | 'stateless'): Promise<Count> {
  const out = join(dir, `${side}.callgrind`);
  const server = await startServer({
    gatewayUrl: fake.url,
    name: `server (${side}, callgrind)`,
    wrap: [
      'valgrind',
      '--tool=callgrind',
      '--instr-atstart=no',
      '--separate-threads=yes',
      '--smc-check=all-non-file',
      `--callgrind-out-file=${out}`,
    ],
    startupMs: 180_000,
    env: side === 'stateless' ? { DATABASE_URL: 'none' } : {},
  });
  const pool = makePool(server.url, CONCURRENCY);
  try {
    const task = side === 'stored' ? await continuingTask(pool, CONCURRENCY) : statelessTask(pool);
    await runLoad({ total: warmup, concurrency: CONCURRENCY, maxMs: 900_000, task });
    control(server.pid, '-i', 'on');
    const load = await runLoad({ total: requests, concurrency: CONCURRENCY, maxMs: 900_000, task });
    control(server.pid, '-i', 'off');
    control(server.pid, '-d');
    if (load.errors > 0) throw new Error(`${side}: ${load.firstError}`);
    // One file per thread: <out>.1-01 is the main thread.
    const threads = readdirSync(dir)
      .filter((file) => file.startsWith(`${side}.callgrind.1-`))
      .map((file) => ({ file, ir: Number(/^totals: (\d+)/m.exec(readFileSync(join(dir, file), 'utf8'))?.[1] ?? 0) }));
    const main = threads.find((t) => t.file.endsWith('-01'))?.ir ?? Number.NaN;
    const all = threads.reduce((sum, t) => sum + t.ir, 0);
    return { main: main / load.completed, all: all / load.completed };
  } finally {
    await pool.close();
    await stopProc(server);
  }
}

try {
  buildServer();
  const fake = await startFake();
  const stored = await instructionsPerRequest(fake, 'stored');
  const stateless = await instructionsPerRequest(fake, 'stateless');
  const k = (n: number) => `${Math.round(n / 1000)}k`;
  process.stdout.write(
    [
      `Store share of a persisted GraphQL sendChat (SQLite, c=${CONCURRENCY}): ${k(stored.main - stateless.main)} instructions per turn on the main thread, ${k(stored.all - stateless.all)} on all threads`,
      `  user-space instructions per request, main thread: ${k(stored.main)} with the store, ${k(stateless.main)} without`,
      `  all threads: ${k(stored.all)} with the store, ${k(stateless.all)} without (${requests} requests after ${warmup} of warm-up)`,
      '',
    ].join('\n'),
  );
} finally {
  await stopAll();
}
