import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Instance {
  url: string;
  child: ChildProcess;
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** What it printed, for failure messages. */
  output(): string;
}

/** `node src/main.ts` as a real server process on a random loopback port; resolves once it listens. */
export async function spawnInstance(env: Record<string, string>, timeoutMs = 15_000): Promise<Instance> {
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance did not listen in time:\n${out}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`instance exited (${code}) before listening:\n${out}`));
    });
  });
  return { url, child, exited, output: () => out };
}

/** SIGKILLs whatever is still running (test cleanup). */
export async function stopInstances(instances: Array<Instance | undefined>): Promise<void> {
  for (const instance of instances) {
    if (!instance || instance.child.exitCode !== null || instance.child.signalCode !== null) continue;
    instance.child.kill('SIGKILL');
    await instance.exited;
  }
}
