import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, SEND_CHAT } from '../helpers/fixtures.ts';
import { approve, bearer, codeFor, gqlAs, ME, REFRESH, SIGN_IN, SIGN_OUT, signIn } from '../helpers/identity.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// WeChat sign-in through the real server against the fake WeChat API, with the default `approval` policy.

describe('WeChat sign-in (approval policy)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ wechat: true, apiKeys: [], env: { AUTH_CACHE_TTL_MS: '0' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('creates a pending user on first sign-in, whose chats answer PENDING_APPROVAL with its code', async () => {
    const session = await signIn(server, 'alice');
    expect(session.user.status).toBe('pending');
    expect(session.user.approvalCode).toMatch(/^[A-Z2-9]{6}$/);
    expect(session.expiresIn).toBe(7200);
    const call = server.wechat?.received.at(-1);
    expect(call?.path).toBe('/sns/jscode2session');
    expect(call?.query).toMatchObject({ appid: server.wechat?.appId, grant_type: 'authorization_code' });

    const me = await gqlAs(server, session.accessToken, ME);
    expect(me.data?.me).toEqual(session.user);

    const chat = await gqlAs(server, session.accessToken, SEND_CHAT, { input: ask('hello') });
    expect(chat.errors?.[0]?.extensions).toMatchObject({
      code: 'PENDING_APPROVAL',
      approvalCode: session.user.approvalCode,
    });
    expect(server.gateway.requests.length).toBe(0);
  });

  it('lets the user chat once approved, with no new sign-in', async () => {
    const session = await signIn(server, 'bob');
    await approve(server, session.user.id);
    const chat = await gqlAs<{ sendChat: { message: { content: string } } }>(server, session.accessToken, SEND_CHAT, {
      input: ask('hello'),
    });
    expect(chat.errors).toBeUndefined();
    expect(chat.data?.sendChat.message.content).toBeTruthy();
    expect((await gqlAs(server, session.accessToken, ME)).data?.me).toMatchObject({
      status: 'active',
      approvalCode: null,
    });
  });

  it('never hands out the session_key', async () => {
    const response = await gqlAs(server, undefined, SIGN_IN, { code: codeFor('carol') });
    expect(JSON.stringify(response)).not.toContain('must-never-leave');
  });

  it('refuses a guest anything but sign-in and refresh', async () => {
    const chat = await gqlAs(server, undefined, SEND_CHAT, { input: ask('hello') });
    expect(chat.status).toBe(401);
    expect(chat.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const me = await gqlAs(server, undefined, `query { me { id } }`);
    expect(me.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refreshes with rotation; a reused refresh token ends the whole family', async () => {
    const first = await signIn(server, 'dave');
    const second = await gqlAs<{ refreshSession: { accessToken: string; refreshToken: string } }>(
      server,
      undefined,
      REFRESH,
      { refreshToken: first.refreshToken },
    );
    expect(second.errors).toBeUndefined();
    const rotated = second.data?.refreshSession;
    expect(rotated?.refreshToken).not.toBe(first.refreshToken);
    expect((await gqlAs(server, rotated?.accessToken, ME)).data?.me).toMatchObject({ id: first.user.id });

    const reuse = await gqlAs(server, undefined, REFRESH, { refreshToken: first.refreshToken });
    expect(reuse.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const afterReuse = await gqlAs(server, undefined, REFRESH, { refreshToken: rotated?.refreshToken });
    expect(afterReuse.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const me = await gqlAs(server, rotated?.accessToken, ME);
    expect(me.status).toBe(401);
  });

  it('signs out: the refresh token and the access token stop working', async () => {
    const session = await signIn(server, 'erin');
    const out = await gqlAs(server, session.accessToken, SIGN_OUT);
    expect(out.data).toEqual({ signOut: true });
    expect((await gqlAs(server, session.accessToken, ME)).status).toBe(401);
    const refresh = await gqlAs(server, undefined, REFRESH, { refreshToken: session.refreshToken });
    expect(refresh.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a big body from a caller without credentials before reading it', async () => {
    const response = await fetch(`${server.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: SIGN_IN, variables: { code: 'x'.repeat(20_000) } }),
    });
    expect(response.status).toBe(401);
  });

  it('answers REST sign-in with the same JSON', async () => {
    const response = await fetch(`${server.baseUrl}/api/auth/wechat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: codeFor('frank') }),
    });
    expect(response.status).toBe(200);
    const session = await response.json();
    expect(session).toMatchObject({ expiresIn: 7200, user: { status: 'pending' } });
    const refreshed = await fetch(`${server.baseUrl}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: session.refreshToken }),
    });
    expect(refreshed.status).toBe(200);
    const rotated = await refreshed.json();
    const me = await gqlAs(server, rotated.accessToken, ME);
    expect(me.data?.me).toMatchObject({ id: session.user.id });

    // A pending user's chat, on REST and tRPC: 403 with the approval code beside the code.
    const chat = await fetch(`${server.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(rotated.accessToken) },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(403);
    expect((await chat.json()).error).toMatchObject({
      code: 'PENDING_APPROVAL',
      type: 'permission_error',
      approvalCode: session.user.approvalCode,
    });
    const trpc = await fetch(`${server.baseUrl}/trpc/chat.send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(rotated.accessToken) },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(trpc.status).toBe(403);
    expect((await trpc.json()).error.data).toMatchObject({
      appCode: 'PENDING_APPROVAL',
      approvalCode: session.user.approvalCode,
    });
  });
});
