import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ChatClient, createChatClient } from '../../sdk/src/index.ts';
import { type ContentSecurityWechat, startContentSecurityWechat } from '../fake-wechat/content-security.ts';
import { type FakeWechat, startFakeWechat } from '../fake-wechat/fake-wechat.ts';
import { startTestServer, TEST_AUTH_SECRET, type TestServer } from '../helpers/server.ts';
import { startWsTestServer, type WsTestServer } from '../helpers/ws-server.ts';
import { withWechatAccount } from '../sdk/wx-login.ts';
import { createWxSimulator, type WxSimulator } from '../sdk/wx-simulator.ts';
import { ROOT } from './example-project.ts';

// The example carries no API key: every simulator test signs its phone in with WeChat, as a user would.

/** Sign-in on, against `wechat`; users are active at once unless a test sets ACCESS_POLICY. */
function signInEnv(wechat: FakeWechat): Record<string, string> {
  return {
    API_KEYS: '',
    WECHAT_APPID: wechat.appId,
    WECHAT_SECRET: wechat.secret,
    WECHAT_API_BASE: wechat.url,
    AUTH_SECRET: TEST_AUTH_SECRET,
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    ACCESS_POLICY: 'open',
    // An operator's approval or block reaches the next call at once.
    AUTH_CACHE_TTL_MS: '0',
  };
}

/** The real server (HTTP transport) with WeChat sign-in in front of the fake WeChat API and fake gateway. */
export function startSignInServer(
  options: { env?: Record<string, string>; gateway?: { deltaDelayMs?: number } } = {},
): Promise<TestServer> {
  return startTestServer({
    wechat: true,
    apiKeys: [],
    gateway: options.gateway,
    env: { ACCESS_POLICY: 'open', AUTH_CACHE_TTL_MS: '0', ...options.env },
  });
}

/** The same over the gateway's WebSocket transport (tool events, generated media). */
export async function startWsSignInServer(env: Record<string, string> = {}): Promise<WsTestServer> {
  const wechat = await startFakeWechat();
  const server = await startWsTestServer({ env: { ...signInEnv(wechat), ...env } });
  return { ...server, close: () => server.close().then(() => wechat.close()) };
}

export interface ModeratedSignInServer {
  server: TestServer;
  wechat: ContentSecurityWechat;
  close(): Promise<void>;
}

/** MODERATION=wechat: the signed-in user's openid goes with each msgSecCheck. */
export async function startModeratedSignInServer(): Promise<ModeratedSignInServer> {
  const wechat = await startContentSecurityWechat();
  const server = await startTestServer({
    apiKeys: [],
    gateway: { deltaDelayMs: 2 },
    env: { ...signInEnv(wechat.wechat), MODERATION: 'wechat', MODERATION_STREAM_CHARS: '50' },
  });
  return { server, wechat, close: () => server.close().then(() => wechat.close()) };
}

/** A second phone of the same WeChat user (or another), talking to the server directly to set a scene. */
export function phoneOf(baseUrl: string, account: string): { client: ChatClient; simulator: WxSimulator } {
  const simulator = createWxSimulator({ seed: 11 });
  const client = createChatClient({ baseUrl, wechat: true, wx: withWechatAccount(simulator.wx, account).wx });
  return { client, simulator };
}

/** A SQLite file the server and the operator's admin command share (an in-memory one is per process). */
export function sharedSqliteUrl(): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), 'miniprogram-users-')), 'store.db')}`;
}

/** `npm run admin -- users <args>` as the operator runs it, in its own process against `databaseUrl`. */
export async function runAdmin(databaseUrl: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['scripts/admin.ts', 'users', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    timeout: 30_000,
  });
  return stdout;
}
