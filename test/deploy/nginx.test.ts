import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ask,
  CHAT_EVENTS,
  CHAT_STREAM,
  checkStream,
  collectGql,
  fromGql,
  marker,
  readUntil,
} from '../helpers/fixtures.ts';
import { type Instance, spawnInstance, stopInstances } from '../helpers/instances.ts';
import { nginxSkipReason, type RunningNginx, startNginx } from '../helpers/nginx.ts';
import { redisSkipReason } from '../helpers/redis.ts';
import { type SharedBackends, startSharedBackends } from '../helpers/shared-backends.ts';

const KEY = 'nginx-key-0123456789abcdef';
const skip =
  nginxSkipReason ?? redisSkipReason ?? (process.env.TEST_DATABASE_URL ? undefined : 'TEST_DATABASE_URL is not set');
const title = `deploy/nginx.conf with real nginx in front of two instances${skip ? ` (skipped: ${skip})` : ''}`;

const insecure = new Agent({ connect: { rejectUnauthorized: false } });
const tlsFetch: typeof fetch = (input, init) => fetch(input, { ...init, dispatcher: insecure } as RequestInit);
class InsecureWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { rejectUnauthorized: false });
  }
}

describe.skipIf(skip !== undefined)(title, () => {
  let shared: SharedBackends | undefined;
  let a: Instance | undefined;
  let b: Instance | undefined;
  let nginx: RunningNginx | undefined;
  const sse = () =>
    createSseClient({
      url: `${nginx!.httpsUrl}/graphql`,
      singleConnection: false,
      headers: { 'x-api-key': KEY },
      retryAttempts: 0,
      fetchFn: tlsFetch,
    });

  beforeAll(async () => {
    shared = await startSharedBackends({ apiKeys: KEY, deltaDelayMs: 20 });
    const env = shared.env({ TRUST_PROXY: 'true' });
    a = await spawnInstance(env);
    b = await spawnInstance(env);
    nginx = await startNginx([a.url, b.url]);
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    await stopInstances([a, b]);
    await shared?.close();
  });

  it('spreads requests over both instances (round robin), each tagged with the proxy request id', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await tlsFetch(`${nginx!.httpsUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEY },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(response.status).toBe(200);
      ids.push(response.headers.get('x-request-id') ?? '');
    }
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    await expect.poll(() => ids.filter((id) => a!.output().includes(id)).length).toBeGreaterThan(0);
    await expect.poll(() => ids.filter((id) => b!.output().includes(id)).length).toBeGreaterThan(0);
  });

  it('passes an SSE stream through as it is written: not buffered, not gzipped', async () => {
    const controller = new AbortController();
    try {
      const response = await tlsFetch(`${nginx!.httpsUrl}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEY, 'accept-encoding': 'gzip' },
        body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: `FAKE_SILENT ${marker()}` }] }),
        signal: controller.signal,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('content-encoding')).toBeNull();
      // The agent stays silent, so the response never ends: its first frames arrive only if nginx forwards them.
      const { text } = await readUntil(response.body!, (t) => t.includes('"role":"assistant"'));
      expect(text).toContain('"role":"assistant"');
    } finally {
      controller.abort();
    }
  });

  it('gzips large JSON answers', async () => {
    const response = await tlsFetch(`${nginx!.httpsUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY, 'accept-encoding': 'gzip' },
      body: JSON.stringify({ query: '{ __schema { types { name description } } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect((await response.json()).data.__schema.types.length).toBeGreaterThan(10);
  });

  it('upgrades graphql-ws (wss) through to an instance', async () => {
    const client = createWsClient({
      url: `${nginx!.httpsUrl.replace(/^https/, 'wss')}/graphql`,
      webSocketImpl: InsecureWebSocket,
      connectionParams: { apiKey: KEY },
      retryAttempts: 0,
    });
    try {
      const { events, errors } = await collectGql(
        client.iterate({ query: CHAT_STREAM, variables: { input: ask(`FAKE_DELTAS_5 ${marker()}`) } }),
      );
      expect(errors).toEqual([]);
      checkStream(fromGql(events));
    } finally {
      await client.dispose();
    }
  });

  it('resumes a stream on whichever instance the next request lands, with nothing lost or repeated', async () => {
    const first = await collectGql(
      sse().iterate({ query: CHAT_STREAM, variables: { input: ask(`FAKE_DELTAS_30 ${marker()}`) } }),
      (_e, all) => all.length >= 4,
    );
    const last = first.events.at(-1)!;
    const rest = await collectGql(
      sse().iterate({ query: CHAT_EVENTS, variables: { runId: last.runId, after: last.eventId } }),
    );
    checkStream(fromGql([...first.events, ...rest.events]));
  });

  it('redirects plain HTTP to HTTPS and keeps /metrics off the public name', async () => {
    const redirect = await fetch(`${nginx!.httpUrl}/graphql`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toMatch(/^https:\/\/127\.0\.0\.1\/graphql$/);
    expect((await tlsFetch(`${nginx!.httpsUrl}/metrics`)).status).toBe(404);
  });
});
