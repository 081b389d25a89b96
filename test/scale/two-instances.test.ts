import { createClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectRedis } from '../../src/redis/connection.ts';
import type { FakeGateway } from '../fake-gateway/fake-gateway.ts';
import {
  ask,
  CANCEL_CHAT,
  CHAT_EVENTS,
  CHAT_STREAM,
  checkStream,
  collectGql,
  fromGql,
  type GqlEvent,
  gql,
  marker,
  upstreamFor,
} from '../helpers/fixtures.ts';
import { type Instance, spawnInstance, stopInstances } from '../helpers/instances.ts';
import { parseExposition, sum } from '../helpers/prometheus-text.ts';
import { redisSkipReason, redisUrl } from '../helpers/redis.ts';
import { type RoundRobinProxy, startRoundRobinProxy } from '../helpers/round-robin-proxy.ts';
import { type SharedBackends, startSharedBackends } from '../helpers/shared-backends.ts';

const KEY = 'scale-key-0123456789abcdef';
const LEASE_MS = 3_000;
const skip = redisSkipReason ?? (process.env.TEST_DATABASE_URL ? undefined : 'TEST_DATABASE_URL is not set');
const title = `two instances on one PostgreSQL and one Redis, behind a round-robin proxy${skip ? ` (skipped: ${skip})` : ''}`;

const sse = (url: string, apiKey = KEY) =>
  createClient({ url: `${url}/graphql`, singleConnection: false, headers: { 'x-api-key': apiKey }, retryAttempts: 0 });
const stream = (url: string, content: string, stop?: (events: GqlEvent[]) => boolean, apiKey = KEY) =>
  collectGql(sse(url, apiKey).iterate({ query: CHAT_STREAM, variables: { input: ask(content) } }), (_e, all) =>
    stop?.(all),
  );
const resume = (url: string, runId: string, after?: string) =>
  collectGql(sse(url).iterate({ query: CHAT_EVENTS, variables: { runId, after } }));
const CONVERSATION = /* GraphQL */ `
  query ($id: ID!) { conversation(id: $id) { id messages { edges { node { role content status runId } } } } }
`;

const SEND_CHAT_IN_CONVERSATION = /* GraphQL */ `
  mutation ($input: SendChatInput!) { sendChat(input: $input) { runId conversationId message { content } } }
`;
const RECENT = /* GraphQL */ `
  { conversations(first: 5) { edges { node { messages { edges { node { runId status } } } } } } }
`;

const BUSY_KEY = 'scale-busy-key-0123456789abcdef';
const QUOTA_KEY = 'scale-quota-key-0123456789abcdef';
const LEASE_KEY = 'scale-lease-key-0123456789abcdef';
const METRICS_TOKEN = 'scale-metrics-token-0123456789';

/** A streaming turn that holds its run (FAKE_SILENT) once started: its run id, or the refusal's code and message. */
async function hold(url: string, apiKey: string) {
  const { events, errors } = await stream(url, `FAKE_SILENT ${marker()}`, (all) => all.length >= 1, apiKey);
  return { runId: events[0]?.runId, code: errors[0]?.extensions?.code, message: errors[0]?.message ?? '' };
}

async function rejections(url: string, limiter: string): Promise<number> {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  return sum(parseExposition(await response.text()), 'minipro_limiter_rejections_total', { limiter });
}

async function keysUnder(prefix: string): Promise<number> {
  const redis = connectRedis(redisUrl ?? '');
  try {
    let [cursor, count] = ['0', 0];
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      [cursor, count] = [next, count + keys.length];
    } while (cursor !== '0');
    return count;
  } finally {
    redis.disconnect();
  }
}

/** The stored status of a run's answer, read through `url`. */
async function storedStatus(url: string, runId: string): Promise<string | undefined> {
  type Recent = {
    conversations: { edges: Array<{ node: { messages: { edges: Array<{ node: Record<string, string> }> } } }> };
  };
  const read = await gql<Recent>(url, RECENT, {}, { apiKey: KEY });
  const nodes = read.data?.conversations.edges.flatMap((c) => c.node.messages.edges.map((m) => m.node)) ?? [];
  return nodes.find((m) => m.runId === runId)?.status;
}

describe.skipIf(skip !== undefined)(title, () => {
  let shared: SharedBackends;
  let gateway: FakeGateway;
  let prefix: string;
  let a: Instance | undefined;
  let b: Instance | undefined;
  let proxy: RoundRobinProxy;
  const env = () =>
    shared.env({
      RUN_LEASE_MS: String(LEASE_MS),
      SHUTDOWN_GRACE_MS: '10000',
      ATTACHMENT_URL_SECRET: 'a-shared-secret-of-at-least-32-characters',
    });

  beforeAll(async () => {
    shared = await startSharedBackends({ apiKeys: KEY, deltaDelayMs: 25 });
    ({ gateway, prefix } = shared);
    a = await spawnInstance(env());
    b = await spawnInstance(env());
    proxy = await startRoundRobinProxy([a.url, b.url]);
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await stopInstances([a, b]);
    await shared?.close();
  });

  it('resumes through B a stream started through A, with nothing lost or repeated', async () => {
    const served = proxy.served.length;
    const first = await stream(proxy.url, `FAKE_DELTAS_40 ${marker()}`, (all) => all.length >= 5);
    const last = first.events.at(-1)!;
    const rest = await resume(proxy.url, last.runId, last.eventId);
    expect(proxy.served.slice(served)).toEqual([a!.url, b!.url]);
    expect(rest.errors).toEqual([]);
    expect(rest.events[0]?.eventId).toBe(String(Number(last.eventId) + 1));
    const text = checkStream(fromGql([...first.events, ...rest.events]));
    expect(text).toBe(Array.from({ length: 40 }, (_, i) => ` w${i + 1}`).join(''));
  });

  it("aborts A's upstream request when the cancel is sent to B", async () => {
    const needle = marker();
    const started = await stream(a!.url, `FAKE_SILENT ${needle}`, (all) => all.length >= 1);
    const runId = started.events[0]!.runId;
    const upstream = await upstreamFor(gateway, needle);
    const following = resume(b!.url, runId, '1');
    const cancelled = await gql<{ cancelChat: boolean }>(b!.url, CANCEL_CHAT, { runId }, { apiKey: KEY });
    expect(cancelled.data?.cancelChat).toBe(true);
    await upstream.closed;
    expect(upstream.closedEarly).toBe(true);
    expect((await following).events.at(-1)).toMatchObject({ __typename: 'ChatFailed', code: 'CANCELLED' });
  });

  it('reads through B the conversations written through A', async () => {
    const sent = await gql<{ sendChat: { runId: string; conversationId: string; message: { content: string } } }>(
      a!.url,
      SEND_CHAT_IN_CONVERSATION,
      { input: ask(`hello ${marker()}`) },
      { apiKey: KEY },
    );
    const result = sent.data!.sendChat;
    const read = await gql<{ conversation: { messages: { edges: Array<{ node: Record<string, string> }> } } }>(
      b!.url,
      CONVERSATION,
      { id: result.conversationId },
      { apiKey: KEY },
    );
    expect(read.errors).toBeUndefined();
    const messages = read.data!.conversation.messages.edges.map((e) => e.node);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(messages[1]).toMatchObject({ status: 'completed', runId: result.runId, content: result.message.content });
  });

  it("a booting instance leaves its live peers' runs running (only dead holders' runs are interrupted)", async () => {
    const needle = marker();
    const started = await stream(a!.url, `FAKE_SILENT ${needle}`, (all) => all.length >= 1);
    const runId = started.events[0]!.runId;
    await upstreamFor(gateway, needle);
    await expect.poll(() => storedStatus(b!.url, runId)).toBe('running');
    const booted = await spawnInstance(env());
    try {
      expect(await storedStatus(booted.url, runId)).toBe('running');
      const cancelled = await gql<{ cancelChat: boolean }>(booted.url, CANCEL_CHAT, { runId }, { apiKey: KEY });
      expect(cancelled.data?.cancelChat).toBe(true);
      await expect.poll(() => storedStatus(booted.url, runId)).toBe('cancelled');
    } finally {
      await stopInstances([booted]);
    }
  });

  it('SIGTERM on A: its streams end so clients resume on B while A finishes the run, then A exits 0', async () => {
    const first = await stream(a!.url, `FAKE_DELTAS_60 ${marker()}`, (all) => {
      if (all.length === 3) a!.child.kill('SIGTERM');
      return false;
    });
    expect(first.events.at(-1)?.__typename).toBe('ChatDelta');
    const last = first.events.at(-1)!;
    const rest = await resume(b!.url, last.runId, last.eventId);
    checkStream(fromGql([...first.events, ...rest.events]));
    expect(await a!.exited).toBe(0);
    proxy.targets[0] = b!.url;
  });

  it('limits and quotas hold across A and B: runs in flight, turns per minute and tokens per day', async () => {
    const limited = {
      ...env(),
      API_KEYS: `${BUSY_KEY},${QUOTA_KEY},${LEASE_KEY}`,
      METRICS_TOKEN,
      MAX_ACTIVE_RUNS_PER_KEY: '2',
      RATE_LIMIT_PER_MINUTE: '4',
      // Above the estimate for a cancelled one-line turn, below one completed turn's usage (the fake reports 11,500+).
      QUOTA_TOKENS_PER_DAY: '5000',
    };
    const [la, lb] = await Promise.all([spawnInstance(limited), spawnInstance(limited)]);
    const cancel = (url: string, runId: string | undefined) =>
      gql<{ cancelChat: boolean }>(url, CANCEL_CHAT, { runId }, { apiKey: BUSY_KEY });
    try {
      // Runs in flight: one on each instance fills the key's two slots, so either instance refuses a third.
      const first = await hold(la.url, BUSY_KEY);
      const second = await hold(lb.url, BUSY_KEY);
      expect([first.code, second.code]).toEqual([undefined, undefined]);
      for (const url of [la.url, lb.url]) {
        expect(await hold(url, BUSY_KEY)).toMatchObject({ code: 'RATE_LIMITED', message: /per-key limit/ });
      }
      expect(await rejections(la.url, 'runs_per_key')).toBe(1);
      expect(await rejections(lb.url, 'runs_per_key')).toBe(1);
      // A cancel through B ends A's run and frees its slot for a run through B (refused tries gave their turn back).
      expect((await cancel(lb.url, first.runId)).data?.cancelChat).toBe(true);
      const third = await vi.waitFor(async () => {
        const tried = await hold(lb.url, BUSY_KEY);
        if (!tried.runId) throw new Error(tried.message);
        return tried;
      });
      // Turns per minute: that was the third counted turn; a fourth through A, and the fifth is refused through B.
      await cancel(lb.url, second.runId);
      await cancel(la.url, third.runId);
      const fourth = await vi.waitFor(async () => {
        const tried = await hold(la.url, BUSY_KEY);
        if (!tried.runId) throw new Error(tried.message);
        return tried;
      });
      await cancel(la.url, fourth.runId);
      expect(await hold(lb.url, BUSY_KEY)).toMatchObject({ code: 'RATE_LIMITED', message: /chat turns a minute/ });
      expect(await rejections(lb.url, 'turns_per_minute')).toBe(1);

      // Tokens per day: a turn completed through A uses up the quota for B.
      const quota = (url: string) =>
        gql<{ sendChat: { runId: string } }>(
          url,
          SEND_CHAT_IN_CONVERSATION,
          { input: ask('hello') },
          { apiKey: QUOTA_KEY },
        );
      expect((await quota(la.url)).errors).toBeUndefined();
      const refused = await quota(lb.url);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'QUOTA_EXCEEDED', resetAt: expect.anything() });
      expect(await rejections(lb.url, 'tokens_per_day')).toBe(1);
      // Counted in Redis (REDIS_URL wins over the store's engine).
      expect(await keysUnder(`${prefix}limit:turns:`)).toBeGreaterThanOrEqual(2);
      expect(await keysUnder(`${prefix}limit:tokens:`)).toBeGreaterThanOrEqual(2);

      // A killed instance's runs stop counting within the lease: B then has room again.
      for (let i = 0; i < 2; i++) expect((await hold(la.url, LEASE_KEY)).runId).toBeDefined();
      expect(await hold(lb.url, LEASE_KEY)).toMatchObject({ code: 'RATE_LIMITED', message: /per-key limit/ });
      la.child.kill('SIGKILL');
      await vi.waitFor(
        async () => {
          const tried = await hold(lb.url, LEASE_KEY);
          if (!tried.runId) throw new Error(tried.message);
        },
        { timeout: LEASE_MS * 2, interval: 250 },
      );
    } finally {
      await stopInstances([la, lb]);
    }
  }, 45_000);

  it('killing an instance mid-run gives clients on B a typed, retryable failure within RUN_LEASE_MS', async () => {
    const doomed = await spawnInstance(env());
    try {
      const started = await stream(doomed.url, `FAKE_SILENT ${marker()}`, (all) => all.length >= 1);
      const runId = started.events[0]!.runId;
      const following = resume(b!.url, runId, '1');
      await new Promise((resolve) => setTimeout(resolve, 200));
      doomed.child.kill('SIGKILL');
      const killed = performance.now();
      const { events } = await following;
      const detectedMs = performance.now() - killed;
      expect(events.at(-1)).toMatchObject({ __typename: 'ChatFailed', code: 'UPSTREAM_UNAVAILABLE', eventId: '2' });
      expect(detectedMs).toBeLessThan(LEASE_MS * 1.5); // the documented bound, with room for a loaded machine
      // The store, shared by both, records the answer as interrupted (the survivors' reaper or the tail did it).
      await expect.poll(() => storedStatus(b!.url, runId), { timeout: LEASE_MS * 2 }).toBe('interrupted');
    } finally {
      await stopInstances([doomed]);
    }
  });
});
