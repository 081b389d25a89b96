import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppRouter } from '../../src/trpc/router.ts';
import { engineTitle, freshDatabase, TEST_ENGINES, type TestDatabase } from '../helpers/databases.ts';
import { ask, SEND_CHAT } from '../helpers/fixtures.ts';
import { bearer, codeFor, gqlAs, SIGN_IN, signIn, type TestSession } from '../helpers/identity.ts';
import { parseExposition, sum } from '../helpers/prometheus-text.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Rate, concurrency and quota limits per principal, their reset, and sign-in's per-IP limit, through the real
// server with its counters in the store's engine (rate-limiter-flexible on SQLite, or on PostgreSQL). Time moves
// forward with a faked Date (real timers): windows and UTC days end without waiting for them.

const jump = (ms: number) => vi.setSystemTime(Date.now() + ms);

function trpcAs(server: TestServer, token: string): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.baseUrl}/trpc`, headers: bearer(token) })] });
}

async function chat(server: TestServer, session: TestSession, text = 'hello') {
  const response = await gqlAs<{ sendChat: { usage: unknown } }>(server, session.accessToken, SEND_CHAT, {
    input: ask(text),
  });
  return { code: response.errors?.[0]?.extensions?.code ?? 'OK', extensions: response.errors?.[0]?.extensions };
}

for (const engine of TEST_ENGINES) {
  describe.skipIf(engine.skipReason !== undefined)(`limits on ${engineTitle(engine)}`, () => {
    let db: TestDatabase;
    let server: TestServer;
    beforeAll(async () => {
      vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
      db = await freshDatabase(engine.name);
      server = await startTestServer({
        wechat: true,
        env: {
          DATABASE_URL: db.url,
          ACCESS_POLICY: 'open',
          AUTH_CACHE_TTL_MS: '0',
          RATE_LIMIT_PER_MINUTE: '3',
          MAX_ACTIVE_RUNS_PER_USER: '2',
          QUOTA_TOKENS_PER_DAY: '0',
          AUTH_RATE_LIMIT_PER_MINUTE: '1000',
        },
      });
    });
    afterAll(async () => {
      await server?.close();
      await db?.drop();
      vi.useRealTimers();
    });

    it('uses the store engine for its counters', () => {
      expect(server.app.limiterBackend.name).toBe(engine.name);
    });

    it('refuses the turn past RATE_LIMIT_PER_MINUTE with RATE_LIMITED and retryAfter, per user, until the minute ends', async () => {
      const alice = await signIn(server, 'rate-alice');
      const bob = await signIn(server, 'rate-bob');
      for (let i = 0; i < 3; i++) expect((await chat(server, alice)).code).toBe('OK');
      const refused = await chat(server, alice);
      expect(refused.code).toBe('RATE_LIMITED');
      expect(refused.extensions?.retryAfter).toBeGreaterThanOrEqual(1);
      expect(refused.extensions?.retryAfter).toBeLessThanOrEqual(60);
      expect((await chat(server, bob)).code).toBe('OK');
      jump(61_000);
      expect((await chat(server, alice)).code).toBe('OK');
    });

    it("applies a user's own override before the default", async () => {
      const carol = await signIn(server, 'rate-carol');
      await server.app.users?.setLimits(carol.user.id, { requestsPerMinute: 1 });
      expect((await chat(server, carol)).code).toBe('OK');
      expect((await chat(server, carol)).code).toBe('RATE_LIMITED');
    });

    it('gives the turn back when it never starts (invalid input)', async () => {
      const ivan = await signIn(server, 'rate-ivan');
      await server.app.users?.setLimits(ivan.user.id, { requestsPerMinute: 1 });
      for (let i = 0; i < 3; i++) expect((await chat(server, ivan, '   ')).code).toBe('INVALID_INPUT');
      expect((await chat(server, ivan)).code).toBe('OK');
      expect((await chat(server, ivan)).code).toBe('RATE_LIMITED');
    });

    it('limits an API key too, answering REST with 429 and Retry-After', async () => {
      jump(61_000);
      const post = () =>
        fetch(`${server.baseUrl}/api/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
          body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
        });
      for (let i = 0; i < 3; i++) expect((await post()).status).toBe(200);
      const refused = await post();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await refused.json()).error.code).toBe('RATE_LIMITED');
    });

    it('caps a user at MAX_ACTIVE_RUNS_PER_USER runs in flight; a finished one frees its slot', async () => {
      jump(61_000);
      const dave = await signIn(server, 'busy-dave');
      const trpc = trpcAs(server, dave.accessToken);
      const first = await trpc.chat.start.mutate(ask('FAKE_HANG one'));
      await trpc.chat.start.mutate(ask('FAKE_HANG two'));
      const third = await trpc.chat.start.mutate(ask('FAKE_HANG three')).catch((error) => error);
      expect(third.data).toMatchObject({ httpStatus: 429, appCode: 'RATE_LIMITED' });
      await trpc.chat.cancel.mutate({ runId: first.runId });
      await expect.poll(() => server.app.runs.activeFor(dave.user.id)).toBe(1);
      jump(61_000);
      const again = await trpc.chat.start.mutate(ask('FAKE_HANG again'));
      expect(again.runId).toBeTruthy();
    });

    it('refuses a turn past the daily quota with QUOTA_EXCEEDED and the reset time, until the next UTC day', async () => {
      jump(61_000);
      const erin = await signIn(server, 'quota-erin');
      // Non-streaming turns carry the gateway's usage: the fake reports well over 10 tokens for one.
      await server.app.users?.setLimits(erin.user.id, { tokensPerDay: 10 });
      expect((await chat(server, erin)).code).toBe('OK');
      await expect.poll(async () => (await chat(server, erin)).code).toBe('QUOTA_EXCEEDED');
      const refused = await chat(server, erin);
      const resetAt = Date.parse(refused.extensions?.resetAt as string);
      expect(resetAt % 86_400_000).toBe(0);
      expect(resetAt).toBeGreaterThan(Date.now());
      expect(refused.extensions?.retryAfter).toBeGreaterThan(0);
      expect(await server.app.limits.tokensToday(erin.user.id)).toBeGreaterThan(10);
      vi.setSystemTime(resetAt + 1_000);
      // A day on, the access token has expired too: the same user signs in again.
      expect((await chat(server, erin)).code).toBe('TOKEN_EXPIRED');
      const nextDay = await signIn(server, 'quota-erin');
      expect(nextDay.user.id).toBe(erin.user.id);
      expect((await chat(server, nextDay)).code).toBe('OK');
    });

    it('counts an estimate when the gateway reports no usage (a REST stream), with the reset in REST headers', async () => {
      jump(61_000);
      const frank = await signIn(server, 'quota-frank');
      await server.app.users?.setLimits(frank.user.id, { tokensPerDay: 1 });
      const stream = () =>
        fetch(`${server.baseUrl}/api/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(frank.accessToken) },
          body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'count me' }] }),
        });
      const first = await stream();
      expect(first.status).toBe(200);
      await first.text();
      await expect.poll(async () => server.app.limits.tokensToday(frank.user.id)).toBeGreaterThan(1);
      const refused = await stream();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('x-quota-reset')).toMatch(/T00:00:00\.000Z$/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = await refused.json();
      expect(body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', resetAt: refused.headers.get('x-quota-reset') });
    });
  });
}

describe('sign-in rate per client IP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      wechat: true,
      env: { AUTH_RATE_LIMIT_PER_MINUTE: '2', METRICS_TOKEN: 'limits-metrics-token-0123456789' },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers RATE_LIMITED with Retry-After past AUTH_RATE_LIMIT_PER_MINUTE, before asking WeChat', async () => {
    expect((await gqlAs(server, undefined, SIGN_IN, { code: codeFor('ip') })).errors).toBeUndefined();
    expect((await gqlAs(server, undefined, SIGN_IN, { code: codeFor('ip') })).errors).toBeUndefined();
    const asked = server.wechat?.received.length;
    const refused = await fetch(`${server.baseUrl}/api/auth/wechat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: codeFor('ip') }),
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(server.wechat?.received.length).toBe(asked);
    const metrics = await fetch(`${server.baseUrl}/metrics`, {
      headers: { authorization: 'Bearer limits-metrics-token-0123456789' },
    });
    const exposition = parseExposition(await metrics.text());
    expect(sum(exposition, 'minipro_limiter_rejections_total', { limiter: 'signin_per_minute' })).toBe(1);
  });
});

describe('sign-in rate behind a proxy (TRUST_PROXY=true)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ wechat: true, env: { AUTH_RATE_LIMIT_PER_MINUTE: '1', TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('counts per X-Forwarded-For client, not per proxy', async () => {
    const from = (ip: string) =>
      fetch(`${server.baseUrl}/api/auth/wechat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ code: codeFor('proxied') }),
      });
    expect((await from('203.0.113.1')).status).toBe(200);
    expect((await from('203.0.113.2')).status).toBe(200);
    expect((await from('203.0.113.1')).status).toBe(429);
  });
});
