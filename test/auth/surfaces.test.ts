import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { AppRouter } from '../../src/trpc/router.ts';
import { ask, CANCEL_CHAT, SEND_CHAT } from '../helpers/fixtures.ts';
import { bearer, codeFor, gqlAs, ME, REFRESH, signIn, type TestSession } from '../helpers/identity.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Access tokens on every surface: expiry (TOKEN_EXPIRED, 1 s tolerance), graphql-ws, tRPC's auth.* mirror,
// isolation between two users, and API keys beside them.

function trpcAs(server: TestServer, headers: Record<string, string> = {}): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.baseUrl}/trpc`, headers })] });
}

const LIST = 'query { conversations(first: 50) { edges { node { id } } } }';
const READ = 'query($id: ID!) { conversation(id: $id) { id } }';
const SEND = 'mutation($input: SendChatInput!) { sendChat(input: $input) { runId conversationId } }';

describe('sessions on every surface', () => {
  let server: TestServer;
  let alice: TestSession;
  let bob: TestSession;
  beforeAll(async () => {
    server = await startTestServer({ wechat: true, env: { ACCESS_POLICY: 'open', AUTH_CACHE_TTL_MS: '0' } });
    alice = await signIn(server, 'iso-alice');
    bob = await signIn(server, 'iso-bob');
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers TOKEN_EXPIRED (401) once the access token is past its expiry and the 1 s tolerance', async () => {
    const session = await signIn(server, 'expiring');
    const { exp = 0 } = decodeJwt(session.accessToken);
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    // At its expiry second, within the tolerance; two seconds on, past it.
    vi.setSystemTime(exp * 1000);
    expect((await gqlAs(server, session.accessToken, ME)).errors).toBeUndefined();
    vi.setSystemTime(exp * 1000 + 2_000);
    const graphql = await gqlAs(server, session.accessToken, ME);
    expect(graphql.status).toBe(401);
    expect(graphql.errors?.[0]?.extensions?.code).toBe('TOKEN_EXPIRED');
    const rest = await fetch(`${server.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(session.accessToken) },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(rest.status).toBe(401);
    expect((await rest.json()).error.code).toBe('TOKEN_EXPIRED');
    const trpc = await trpcAs(server, bearer(session.accessToken))
      .auth.me.query()
      .catch((error) => error);
    expect(trpc.data).toMatchObject({ httpStatus: 401, appCode: 'TOKEN_EXPIRED' });

    const refreshed = await gqlAs<{ refreshSession: TestSession }>(server, undefined, REFRESH, {
      refreshToken: session.refreshToken,
    });
    expect((await gqlAs(server, refreshed.data?.refreshSession.accessToken, ME)).data?.me).toMatchObject({
      id: session.user.id,
    });
  });

  it('mirrors sign-in, me, refresh and sign-out under tRPC auth.*', async () => {
    const guest = trpcAs(server);
    const session = await guest.auth.signInWithWechat.mutate({ code: codeFor('trpc') });
    expect(session.user).toMatchObject({ status: 'active' });
    const caller = trpcAs(server, bearer(session.accessToken));
    expect(await caller.auth.me.query()).toEqual(session.user);
    const rotated = await guest.auth.refresh.mutate({ refreshToken: session.refreshToken });
    expect(rotated.refreshToken).not.toBe(session.refreshToken);
    expect(await trpcAs(server, bearer(rotated.accessToken)).auth.signOut.mutate()).toBe(true);
    const after = await guest.auth.refresh.mutate({ refreshToken: rotated.refreshToken }).catch((error) => error);
    expect(after.data).toMatchObject({ httpStatus: 401, appCode: 'UNAUTHENTICATED' });
    const chat = await guest.chat.start.mutate(ask('no credentials')).catch((error) => error);
    expect(chat.data).toMatchObject({ httpStatus: 401, appCode: 'UNAUTHENTICATED' });
  });

  it('takes the access token in graphql-ws connectionParams.authorization', async () => {
    const { createClient } = await import('graphql-ws');
    const client = createClient({
      url: `${server.baseUrl.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${alice.accessToken}` },
      retryAttempts: 0,
    });
    try {
      const result = await new Promise((resolve, reject) => {
        let value: unknown;
        client.subscribe({ query: ME }, { next: (v) => (value = v), error: reject, complete: () => resolve(value) });
      });
      expect(result).toMatchObject({ data: { me: { id: alice.user.id } } });
    } finally {
      await client.dispose();
    }
  });

  it('graphql-ws: an expired token closes with 4401 TOKEN_EXPIRED; a block applies to the open socket', async () => {
    const { createClient } = await import('graphql-ws');
    const url = `${server.baseUrl.replace(/^http/, 'ws')}/graphql`;
    const run = (client: ReturnType<typeof createClient>, query = ME) =>
      new Promise<unknown>((resolve, reject) => {
        let value: unknown;
        client.subscribe({ query }, { next: (v) => (value = v), error: reject, complete: () => resolve(value) });
      });

    const session = await signIn(server, 'ws-user');
    // One socket for both operations (not lazy): the block must reach an already-open connection.
    const open = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${session.accessToken}` },
      retryAttempts: 0,
      lazy: false,
    });
    let connections = 0;
    open.on('connected', () => connections++);
    try {
      expect(await run(open)).toMatchObject({ data: { me: { id: session.user.id } } });
      await server.app.users?.setStatus(session.user.id, 'blocked');
      // `conversations` checks nothing itself: only the socket's per-operation re-check can refuse it.
      const refused = await run(open, LIST).catch((errors) => errors);
      expect(refused).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })]);
      expect(connections).toBe(1);
      await server.app.users?.setStatus(session.user.id, 'active');

      const { exp = 0 } = decodeJwt(session.accessToken);
      vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
      vi.setSystemTime(exp * 1000 + 2_000);
      const late = createClient({
        url,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${session.accessToken}` },
        retryAttempts: 0,
      });
      const closed = await run(late).catch((event) => event);
      expect(closed).toMatchObject({ code: 4401, reason: 'TOKEN_EXPIRED' });
      await late.dispose();
    } finally {
      await open.dispose();
    }
  });

  it("keeps two users' conversations and runs apart", async () => {
    const sent = await gqlAs<{ sendChat: { runId: string; conversationId: string } }>(server, alice.accessToken, SEND, {
      input: ask('my secret plan'),
    });
    const { runId, conversationId } = sent.data?.sendChat ?? { runId: '', conversationId: '' };
    expect(conversationId).toBeTruthy();
    const mine = await gqlAs<{ conversations: { edges: Array<{ node: { id: string } }> } }>(
      server,
      alice.accessToken,
      LIST,
    );
    expect(mine.data?.conversations.edges.map((e) => e.node.id)).toContain(conversationId);
    const theirs = await gqlAs<{ conversations: { edges: unknown[] } }>(server, bob.accessToken, LIST);
    expect(theirs.data?.conversations.edges).toEqual([]);
    expect((await gqlAs(server, bob.accessToken, READ, { id: conversationId })).data).toEqual({ conversation: null });
    const cancel = await gqlAs(server, bob.accessToken, CANCEL_CHAT, { runId });
    expect(cancel.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const continued = await gqlAs(server, bob.accessToken, SEND_CHAT, { input: ask('let me in', { conversationId }) });
    expect(continued.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('still serves the legacy REST shim with an API key, beside signed-in users', async () => {
    const response = await fetch(`${server.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'legacy' }] }),
    });
    expect(response.status).toBe(200);
    expect((await response.json()).object).toBe('chat.completion');
    const keyMe = await fetch(`${server.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
      body: JSON.stringify({ query: ME }),
    });
    expect((await keyMe.json()).data.me).toMatchObject({ status: 'active', approvalCode: null });
  });

  it('refuses a forged or tampered access token as UNAUTHENTICATED', async () => {
    const [head, body] = alice.accessToken.split('.');
    const forged = `${head}.${body}.${'A'.repeat(43)}`;
    const response = await gqlAs(server, forged, ME);
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('configuration', () => {
  it('a server with WeChat sign-in needs no API key, and refuses callers without credentials on REST chat', async () => {
    const server = await startTestServer({ wechat: true, apiKeys: [] });
    try {
      const response = await fetch(`${server.baseUrl}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(401);
      expect((await response.json()).error.message).toContain('sign in');
    } finally {
      await server.close();
    }
  });
});
