import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeFor, gqlAs, SIGN_IN } from '../helpers/identity.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// WeChat's code2Session errcodes in the project's error model, as the fake WeChat API answers them.

const signInRest = (server: TestServer, code: string) =>
  fetch(`${server.baseUrl}/api/auth/wechat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });

describe('WeChat errors on sign-in', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ wechat: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  const cases = [
    { errcode: 40029, status: 401, code: 'UNAUTHENTICATED', says: 'call wx.login again' },
    { errcode: 40163, status: 401, code: 'UNAUTHENTICATED', says: 'call wx.login again' },
    { errcode: 45011, status: 503, code: 'UPSTREAM_UNAVAILABLE', says: 'retry shortly', retryAfter: true },
    { errcode: -1, status: 503, code: 'UPSTREAM_UNAVAILABLE', says: 'retry shortly', retryAfter: true },
    { errcode: 40226, status: 403, code: 'FORBIDDEN', says: 'high-risk' },
    { errcode: 40013, status: 502, code: 'UPSTREAM_FAILED', says: 'operator' },
  ];
  for (const c of cases) {
    it(`errcode ${c.errcode} → ${c.status} ${c.code}`, async () => {
      const code = codeFor(`err${c.errcode}`);
      server.wechat?.failCode(code, c.errcode);
      const response = await signInRest(server, code);
      expect(response.status).toBe(c.status);
      if (c.retryAfter) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      const { error } = await response.json();
      expect(error.code).toBe(c.code);
      expect(error.message).toContain(c.says);
      // The errcode is for the operator's log, not the caller.
      expect(error.message).not.toContain(String(c.errcode));

      const again = codeFor(`err${c.errcode}`);
      server.wechat?.failCode(again, c.errcode);
      const graphql = await gqlAs(server, undefined, SIGN_IN, { code: again });
      expect(graphql.errors?.[0]?.extensions?.code).toBe(c.code);
    });
  }

  it('a code used twice is refused the second time (40163 from WeChat)', async () => {
    const code = codeFor('twice');
    expect((await signInRest(server, code)).status).toBe(200);
    const second = await signInRest(server, code);
    expect(second.status).toBe(401);
    expect((await second.json()).error.message).toContain('wx.login');
  });

  it('sends WeChat the app id, the secret and the code, and keeps the secret out of answers', async () => {
    const code = codeFor('query');
    const response = await signInRest(server, code);
    const call = server.wechat?.received.at(-1);
    expect(call?.query).toEqual({
      appid: server.wechat?.appId,
      secret: server.wechat?.secret,
      js_code: code,
      grant_type: 'authorization_code',
    });
    expect(await response.text()).not.toContain(server.wechat?.secret as string);
  });

  it('an empty or oversized code is INVALID_INPUT without asking WeChat', async () => {
    const asked = server.wechat?.received.length;
    expect((await signInRest(server, '')).status).toBe(400);
    const graphql = await gqlAs(server, undefined, SIGN_IN, { code: 'x'.repeat(200) });
    expect(graphql.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect(server.wechat?.received.length).toBe(asked);
  });
});

describe('WeChat unreachable', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ wechat: true, env: { WECHAT_API_BASE: 'http://127.0.0.1:9' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers 503 with Retry-After, and the process keeps serving', async () => {
    const response = await signInRest(server, codeFor('nobody'));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect((await response.json()).error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
  });
});
