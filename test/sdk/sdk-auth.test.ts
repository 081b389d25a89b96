import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FAKE_CHINESE_TEXT } from '../fake-gateway/fake-gateway.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { buildBundleForTests } from './bundle.ts';
import { ask, streamedText } from './streams.ts';
import { loadMiniprogramBundle } from './vm-runtime.ts';
import { withWechatAccount } from './wx-login.ts';
import { createWxSimulator, type WxSimulator } from './wx-simulator.ts';

// WeChat sign-in through the built mini-program bundle in its wx-only sandbox, against the real server and the fake
// WeChat API. The server's clock is moved forward with a faked Date (the sandbox keeps its own real one), so access
// tokens expire on the server without the SDK knowing in advance: exactly the TOKEN_EXPIRED path.

let bundleFile: string;
let server: TestServer;
const simulators: WxSimulator[] = [];

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  bundleFile = (await buildBundleForTests()).file;
  server = await startTestServer({
    wechat: true,
    apiKeys: [],
    gateway: { deltaDelayMs: 15 },
    env: { AUTH_CACHE_TTL_MS: '0' },
  });
});
afterAll(async () => {
  await server?.close();
  vi.useRealTimers();
});
afterEach(() => {
  for (const simulator of simulators.splice(0)) simulator.close();
});

function phone(account: string, clientOptions: Record<string, unknown> = {}) {
  const simulator = createWxSimulator({ seed: 7 });
  simulators.push(simulator);
  const device = withWechatAccount(simulator.wx, account);
  const { sdk } = loadMiniprogramBundle(bundleFile, device.wx);
  const client = sdk.createChatClient({ baseUrl: server.baseUrl, wechat: true, ...clientOptions });
  const operations = () => simulator.requests.map((r) => (r.body as { operationName?: string }).operationName);
  return { client, device, simulator, operations };
}

const expireAccessTokens = () => vi.setSystemTime(Date.now() + 7_300_000);

async function activate(userId: string) {
  await server.app.users?.setStatus(userId, 'active');
}

describe('SDK sign-in', () => {
  it('signs in with wx.login, keeps the tokens in wx storage and sends the access token on every call', async () => {
    const { client, device, simulator, operations } = phone('sdk-alice');
    const user = await client.signIn();
    expect(user).toMatchObject({ status: 'pending' });
    expect(user.approvalCode).toMatch(/^[A-Z2-9]{6}$/);
    expect(device.logins).toHaveLength(1);
    const stored = device.storage.get('openclaw.session') as { accessToken: string; refreshToken: string };
    expect(stored.accessToken).toBeTruthy();
    expect(JSON.stringify(stored)).not.toContain('session_key');

    const refused = await client.sendChat(ask('hello')).catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: 'SdkError', code: 'PENDING_APPROVAL', approvalCode: user.approvalCode });

    await activate(user.id);
    expect(await client.me()).toMatchObject({ id: user.id, status: 'active', approvalCode: null });
    expect((await client.sendChat(ask('hello'))).message.content).toContain('ECHO: hello');
    const chat = simulator.requests.at(-1);
    expect(chat?.header.Authorization).toBe(`Bearer ${stored.accessToken}`);
    expect(operations()).toEqual(['SignInWithWechat', 'SendChat', 'Me', 'SendChat']);
  });

  it('signs in on first use without an explicit signIn(), and reuses the stored session in a new client', async () => {
    const first = phone('sdk-bob');
    const me = await first.client.me();
    expect(first.device.logins).toHaveLength(1);
    const { sdk } = loadMiniprogramBundle(bundleFile, first.device.wx);
    const again = sdk.createChatClient({ baseUrl: server.baseUrl, wechat: true });
    expect(await again.me()).toMatchObject({ id: me.id });
    expect(first.device.logins).toHaveLength(1);
  });

  it('refreshes transparently when a stream resumes after its access token expired', async () => {
    const { client, device, simulator, operations } = phone('sdk-carol', { idleTimeoutMs: 400 });
    await activate((await client.signIn()).id);
    simulator.dropNextStream(600);
    const stream = client.chatStream(ask('FAKE_CHINESE'))[Symbol.asyncIterator]();
    const first = await stream.next();
    expireAccessTokens();
    const events = [first.value];
    for (let next = await stream.next(); !next.done; next = await stream.next()) events.push(next.value);
    expect(streamedText(events)).toBe(FAKE_CHINESE_TEXT);
    expect(operations()).toEqual(['SignInWithWechat', 'ChatStream', 'ChatEvents', 'RefreshSession', 'ChatEvents']);
    const refused = simulator.requests[2];
    const resumed = simulator.requests[4];
    expect(resumed?.header.Authorization).not.toBe(refused?.header.Authorization);
    expect(device.logins).toHaveLength(1);
  });

  it('shares one refresh among concurrent calls that meet TOKEN_EXPIRED', async () => {
    const { client, device, operations } = phone('sdk-dave');
    await activate((await client.signIn()).id);
    expireAccessTokens();
    const results = await Promise.all([1, 2, 3].map((n) => client.sendChat(ask(`concurrent ${n}`))));
    expect(results.map((r) => r.message.content)).toEqual([1, 2, 3].map((n) => expect.stringContaining(`${n}`)));
    expect(operations().filter((op) => op === 'RefreshSession')).toHaveLength(1);
    expect(device.logins).toHaveLength(1);
  });

  it('signs in again with wx.login when the refresh is refused (the session was revoked)', async () => {
    const { client, device, operations } = phone('sdk-erin');
    const user = await client.signIn();
    await activate(user.id);
    const stored = device.storage.get('openclaw.session') as { accessToken: string };
    await server.app.sessions?.revoke(decodeJwt(stored.accessToken).sid as string);
    expect((await client.sendChat(ask('still me'))).message.content).toContain('still me');
    expect(device.logins).toHaveLength(2);
    expect(operations()).toEqual(['SignInWithWechat', 'SendChat', 'RefreshSession', 'SignInWithWechat', 'SendChat']);
  });

  it('signs out: the server ends the session and the stored tokens are gone', async () => {
    const { client, device } = phone('sdk-frank');
    await client.signIn();
    const stored = device.storage.get('openclaw.session') as { refreshToken: string };
    await client.signOut();
    expect(device.storage.has('openclaw.session')).toBe(false);
    const refresh = await fetch(`${server.baseUrl}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: stored.refreshToken }),
    });
    expect(refresh.status).toBe(401);
  });

  it('gives typed RATE_LIMITED and QUOTA_EXCEEDED errors with their retry and reset times', async () => {
    const { client } = phone('sdk-grace');
    const user = await client.signIn();
    await activate(user.id);
    await server.app.users?.setLimits(user.id, { requestsPerMinute: 1 });
    await client.sendChat(ask('one'));
    const limited = await client.sendChat(ask('two')).catch((error: unknown) => error);
    expect(limited).toMatchObject({ code: 'RATE_LIMITED' });
    expect((limited as { retryAfter: number }).retryAfter).toBeGreaterThan(0);

    await server.app.users?.setLimits(user.id, { requestsPerMinute: 100, tokensPerDay: 1 });
    vi.setSystemTime(Date.now() + 61_000);
    await client.sendChat(ask('three')).catch(() => {});
    await expect
      .poll(() =>
        client.sendChat(ask('four')).then(
          () => 'OK',
          (error: { code: string }) => error.code,
        ),
      )
      .toBe('QUOTA_EXCEEDED');
    const quota = await client.sendChat(ask('five')).catch((error: unknown) => error);
    expect(quota).toMatchObject({ code: 'QUOTA_EXCEEDED', resetAt: expect.stringMatching(/T00:00:00\.000Z$/) });
  });
});
