/** CPU profile of the server under one surface's load (`node --cpu-prof`), summarised by self time. */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkedPost, makePool, round, runLoad } from './load.ts';
import { type Proc, ROOT, startServer, stopProc } from './processes.ts';
import { SERVER_HEADERS, type Surface } from './requests.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface CpuProfile {
  startTime: number;
  nodes: Array<{ id: number; callFrame: CallFrame }>;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  surface: string;
  file: string;
  /** Measured requests (after the warm-up); only their window of the profile is summarised. */
  requests: number;
  busyMs: number;
  busyUsPerRequest: number;
  topFunctions: SelfTime[];
  byPackage: SelfTime[];
}

function shortUrl(url: string): string {
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith(ROOT)) u = u.slice(ROOT.length);
  return u;
}

function packageOf(frame: CallFrame): string {
  const url = shortUrl(frame.url);
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native/builtin)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node: internals';
  if (url.startsWith('src/')) return 'src/ (app code)';
  return url;
}

/**
 * Self time per function and per package. Only samples inside [fromUs, toUs] count (V8 and process.hrtime both
 * use the monotonic clock), so server start-up (module loading, type stripping) and shutdown stay out.
 */
export function summarize(
  profile: CpuProfile,
  top: number,
  fromUs = Number.NEGATIVE_INFINITY,
  toUs = Number.POSITIVE_INFINITY,
): { busyMs: number; top: SelfTime[]; byPackage: SelfTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let busy = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (at < fromUs || at > toUs) continue;
    const frame = byId.get(profile.samples[i]!);
    if (!frame || frame.functionName === '(idle)' || us <= 0) continue;
    busy += us;
    const where = shortUrl(frame.url);
    const key = `${frame.functionName || '(anonymous)'}${where ? ` ${where}:${frame.lineNumber + 1}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const p = packageOf(frame);
    pkg.set(p, (pkg.get(p) ?? 0) + us);
  }
  const rank = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, selfMs: round(us / 1000, 1), percent: round((100 * us) / Math.max(1, busy), 1) }));
  return { busyMs: round(busy / 1000, 1), top: rank(fn, top), byPackage: rank(pkg, Math.max(12, top)) };
}

export interface ProfileWindow {
  /** Requests inside the window. */
  requests: number;
  fromUs: number;
  toUs: number;
}

export interface ProfileServerOptions {
  fake: Proc;
  /** File stem, e.g. "server-rest". */
  name: string;
  label: string;
  dir: string;
  /** Extra server env (e.g. DATABASE_URL=none). */
  env?: Record<string, string>;
  /** How many functions to rank (15). */
  top?: number;
  /** Warms the server, then runs the measured part and says when it ran (process.hrtime µs). */
  run: (server: Proc) => Promise<ProfileWindow>;
}

export const hrtimeUs = () => Number(process.hrtime.bigint() / 1000n);

/** A fresh server under --cpu-prof; `run` drives it; a graceful stop writes the profile, summarised for the window. */
export async function profileServer(options: ProfileServerOptions): Promise<ProfileSummary> {
  mkdirSync(options.dir, { recursive: true });
  const name = `${options.name}.cpuprofile`;
  const file = join(options.dir, name);
  rmSync(file, { force: true });
  const server = await startServer({
    gatewayUrl: options.fake.url,
    name: `server (profile ${options.label})`,
    env: options.env,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${options.dir}`, `--cpu-prof-name=${name}`, '--cpu-prof-interval=250'],
  });
  let window: ProfileWindow;
  try {
    window = await options.run(server);
  } finally {
    await stopProc(server, 15_000);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  let s = summarize(profile, options.top ?? 15, window.fromUs, window.toUs);
  if (s.busyMs === 0) s = summarize(profile, options.top ?? 15); // clocks not comparable: fall back to the whole run
  return {
    surface: options.label,
    file: shortUrl(file),
    requests: window.requests,
    busyMs: s.busyMs,
    busyUsPerRequest: round((s.busyMs * 1000) / Math.max(1, window.requests)),
    topFunctions: s.top,
    byPackage: s.byPackage,
  };
}

export interface ProfileOptions {
  fake: Proc;
  surface: Surface;
  warmup: number;
  requests: number;
  concurrency: number;
  maxMs: number;
  dir: string;
}

/** Warm-up + load on one surface at the benchmark's concurrency. */
export function profileSurface(options: ProfileOptions): Promise<ProfileSummary> {
  return profileServer({
    fake: options.fake,
    name: `server-${options.surface.name}`,
    label: options.surface.label,
    dir: options.dir,
    run: async (server) => {
      const pool = makePool(server.url, options.concurrency);
      try {
        const { path, body, expect } = options.surface;
        const task = checkedPost(pool, path, SERVER_HEADERS, body, expect);
        const { concurrency, maxMs } = options;
        await runLoad({ total: options.warmup, concurrency, maxMs, task });
        const fromUs = hrtimeUs();
        const load = await runLoad({ total: options.requests, concurrency, maxMs, task });
        return { requests: load.completed, fromUs, toUs: hrtimeUs() };
      } finally {
        await pool.close();
      }
    },
  });
}
