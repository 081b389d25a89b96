import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
export const nginxSkipReason = NGINX ? undefined : 'nginx is not installed (.ci/run installs it)';

const DEPLOY_CONF = new URL('../../deploy/nginx.conf', import.meta.url);

export interface RunningNginx {
  httpsUrl: string;
  httpUrl: string;
  /** The error log, for failure messages. */
  errors(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`deploy/nginx.conf no longer contains "${from}": update the test`);
  return text.replace(from, to);
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}):\n${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(socket.end() !== undefined));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not listen:\n${log()}`);
}

/**
 * deploy/nginx.conf as shipped, with only its addresses and certificate paths swapped for loopback ports and a
 * self-signed certificate, run as a non-daemon child with a generated main config in a temp dir.
 */
export async function startNginx(upstreams: [string, string]): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'minipro-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'],
    ],
    { stdio: 'ignore' },
  );
  const [httpsPort, httpPort] = [await freePort(), await freePort()];
  let site = readFileSync(DEPLOY_CONF, 'utf8');
  site = replaceOnce(site, 'server 127.0.0.1:12626', `server ${new URL(upstreams[0]).host}`);
  site = replaceOnce(site, 'server 127.0.0.1:12627', `server ${new URL(upstreams[1]).host}`);
  site = replaceOnce(site, 'listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`);
  site = replaceOnce(site, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
  site = replaceOnce(site, '/etc/ssl/api.example.com/fullchain.pem', cert);
  site = replaceOnce(site, '/etc/ssl/api.example.com/privkey.pem', key);
  writeFileSync(join(dir, 'site.conf'), site);
  const root = process.getuid?.() === 0;
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      root ? 'user root;' : '',
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      ...['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (t) => `  ${t === 'body' ? 'client_body' : t}_temp_path ${join(dir, t)};`,
      ),
      `  include ${join(dir, 'site.conf')};`,
      '}',
    ].join('\n'),
  );
  const log = () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '');
  const args = ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')];
  const child = spawn(NGINX ?? 'nginx', args, { stdio: 'ignore' });
  await waitForPort(httpsPort, child, log);
  return {
    httpsUrl: `https://127.0.0.1:${httpsPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    errors: log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM'); // fast shutdown: open streams are not waited for
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
