/**
 * Child processes for the benchmark (fake gateway, server) and what the OS says about them:
 * CPU time from /proc/<pid>/stat, memory from /proc/<pid>/status.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const API_KEY = 'bench-key-0123456789abcdef';
export const FAKE_TOKEN = 'fake-token';

const children = new Set<ChildProcess>();

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
  /** Last bytes of stderr, for error messages. */
  stderrTail(): string;
}

let clockTicks: number | undefined;

/** `getconf CLK_TCK` (clock ticks per second of /proc/<pid>/stat), 100 if unavailable. */
export function clkTck(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2000 }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process, in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return (ticks * 1_000_000) / clkTck();
}

export interface MemStatus {
  rssKb: number;
  hwmKb: number;
}

/** VmRSS and VmHWM (peak RSS) of a process, in kB. */
export function memStatus(pid: number): MemStatus {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) : Number.NaN;
  };
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A minimal environment: children must not inherit NODE_OPTIONS or stray server settings. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

function track(name: string, child: ChildProcess): { stderrTail: () => string } {
  children.add(child);
  child.once('exit', () => children.delete(child));
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
  });
  child.once('error', (error) => {
    tail += `\n[${name}] spawn error: ${error.message}`;
  });
  return { stderrTail: () => tail };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** The in-repo fake gateway on a free port. */
export async function startFake(script = 'test/fake-gateway/main.ts', name = 'fake'): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: { ...baseEnv(), FAKE_GATEWAY_PORT: String(port), FAKE_GATEWAY_TOKEN: FAKE_TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { stderrTail } = track(name, child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => done(new Error('fake gateway did not print its URL within 10 s')), 10_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /FAKE_GATEWAY_URL=(\S+)/.exec(out);
      if (m) done(undefined, m[1]);
    };
    const onExit = () => done(new Error(`fake gateway exited early: ${stderrTail()}`));
    const done = (error?: Error, value?: string) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.stdout?.resume(); // keep draining, ignore
      if (error) reject(error);
      else resolve(value!);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
  return { name, child, pid: child.pid!, url, port, stderrTail };
}

export interface ServerOptions {
  gatewayUrl: string;
  /** Extra env (e.g. MAX_ACTIVE_RUNS_PER_KEY). */
  env?: Record<string, string>;
  /** Node flags placed before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  name?: string;
}

/** Compiles the server as `npm start` does, so the bench measures what production runs (no type stripping). */
export function buildServer(): void {
  execFileSync(process.execPath, [`${ROOT}/node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

/** The Node flags `npm start` puts before the script (e.g. V8 heap sizing), so the bench runs what production runs. */
function startScriptFlags(): string[] {
  const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: { start: string } };
  const match = /^node\s+(.*?)\s*dist\/src\/main\.js$/.exec(pkg.scripts.start);
  if (!match) throw new Error(`bench: cannot read the node flags of "npm start" (${pkg.scripts.start})`);
  return match[1] ? match[1].split(/\s+/) : [];
}

/**
 * The built server (dist/, see buildServer) with `npm start`'s Node flags, info logging to /dev/null, through the
 * bench's entry (bench/server.ts), which adds the libraries' floors to the same app.
 */
export async function startServer(options: ServerOptions): Promise<Proc> {
  const port = await freePort();
  const args = [...startScriptFlags(), ...(options.nodeArgs ?? []), 'bench/server.ts'];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...baseEnv(),
      PORT: String(port),
      HOST: '127.0.0.1',
      API_KEYS: API_KEY,
      // The bench drives thousands of turns a minute through one key: its rate limit is counted, never reached.
      RATE_LIMIT_PER_MINUTE: '1000000000',
      OPENCLAW_GATEWAY_URL: options.gatewayUrl,
      OPENCLAW_GATEWAY_TOKEN: FAKE_TOKEN,
      // The HTTP fake by default (a loopback URL would otherwise select ws); the ws bench overrides it.
      OPENCLAW_TRANSPORT: 'http',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      // A fresh store per server, outside the repository.
      DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'minipro-bench-')), 'bench.sqlite')}`,
      ...options.env,
    },
    // stdout (the request logs) goes to /dev/null, as production logging would go to a collector.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const name = options.name ?? 'server';
  const { stderrTail } = track(name, child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (let attempt = 0; attempt < 400 && Date.now() < deadline; attempt++) {
    if (exited(child)) throw new Error(`${name} exited during startup: ${stderrTail()}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return { name, child, pid: child.pid!, url, port, stderrTail };
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  await stopProc({ name, child, pid: child.pid!, url, port, stderrTail });
  throw new Error(`${name} did not answer /healthz within 20 s: ${stderrTail()}`);
}

/** SIGTERM (graceful: the server flushes a --cpu-prof profile), SIGKILL after `timeoutMs`. */
export async function stopProc(proc: Proc, timeoutMs = 8000): Promise<void> {
  if (exited(proc.child)) return;
  proc.child.kill('SIGTERM');
  if (!(await waitExit(proc.child, timeoutMs))) {
    proc.child.kill('SIGKILL');
    await waitExit(proc.child, 2000);
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all(
    [...children].map(async (child) => {
      if (exited(child)) return;
      child.kill('SIGTERM');
      if (!(await waitExit(child, 5000))) child.kill('SIGKILL');
    }),
  );
}

/** Last resort on process exit: synchronous SIGKILL of whatever is left. */
export function killAllSync(): void {
  for (const child of children) {
    if (!exited(child)) child.kill('SIGKILL');
  }
}
