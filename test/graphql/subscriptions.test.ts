import type { Client as WsClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_CHINESE_TEXT } from '../fake-gateway/fake-gateway.ts';
import {
  ask,
  CANCEL_CHAT,
  CHAT_EVENTS,
  CHAT_STREAM,
  type Collected,
  checkStream,
  collectGql,
  deferred,
  fromGql,
  type GqlEvent,
  gql,
  lastUserItem,
  marker,
  readUntil,
  sseClient,
  TINY_PDF_BASE64,
  TINY_PNG_BASE64,
  upstreamFor,
  wsClient,
} from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Subscriptions with the official clients: graphql-sse (distinct connections) and graphql-ws, plus a raw SSE fetch.

let server: TestServer;
const wsClients: WsClient[] = [];

beforeAll(async () => {
  // Deltas 20 ms apart, so a long stream is still running when a client drops.
  server = await startTestServer({ gateway: { deltaDelayMs: 20 } });
});
afterEach(async () => {
  for (const client of wsClients.splice(0)) await client.dispose();
});
afterAll(() => server.close());

/** A graphql-ws client disposed after the test. */
function trackedWsClient(): WsClient {
  const client = wsClient(server);
  wsClients.push(client);
  return client;
}

type Transport = 'graphql-sse' | 'graphql-ws';
const TRANSPORTS: Transport[] = ['graphql-sse', 'graphql-ws'];

function subscribe(
  transport: Transport,
  query: string,
  variables: Record<string, unknown>,
  onEvent?: Parameters<typeof collectGql>[1],
): Promise<Collected> {
  const iterable =
    transport === 'graphql-sse'
      ? sseClient(server).iterate({ query, variables })
      : trackedWsClient().iterate({ query, variables });
  return collectGql(iterable, onEvent);
}

const stream = (transport: Transport, input: Record<string, unknown>, onEvent?: Parameters<typeof collectGql>[1]) =>
  subscribe(transport, CHAT_STREAM, { input }, onEvent);

function completedText(events: GqlEvent[]): string {
  return events.at(-1)?.result?.message.content ?? '';
}

describe.each(TRANSPORTS)('chatStream over %s', (transport) => {
  it('streams a text turn: ChatStarted, ChatDelta*, ChatCompleted; the deltas add up to the result', async () => {
    const m = marker('stream');
    const { events, errors } = await stream(transport, ask(`stream me ${m}`));
    expect(errors).toEqual([]);
    const text = checkStream(fromGql(events));
    expect(text).toContain(`ECHO: stream me ${m}`);
    expect(events.filter((e) => e.__typename === 'ChatDelta').length).toBeGreaterThan(1);
    expect(new Set(events.map((e) => e.runId)).size).toBe(1);
    expect(events.at(-1)?.result?.runId).toBe(events[0]?.runId);
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.path).toBe('/v1/chat/completions');
    expect(upstream.body.stream).toBe(true);
  });

  it('keeps Chinese text and emoji intact across deltas', async () => {
    const { events, errors } = await stream(transport, ask(`FAKE_CHINESE ${marker('zh')}`));
    expect(errors).toEqual([]);
    expect(checkStream(fromGql(events))).toBe(FAKE_CHINESE_TEXT);
  });

  it('streams an image turn through /v1/responses with an input_image part', async () => {
    const m = marker('streamimg');
    const { events } = await stream(
      transport,
      ask(`describe ${m}`, { attachments: [{ image: { data: TINY_PNG_BASE64, mimeType: 'image/png' } }] }),
    );
    expect(checkStream(fromGql(events))).toContain('images=1 files=0');
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.path).toBe('/v1/responses');
    expect(upstream.body.stream).toBe(true);
    expect(lastUserItem(upstream.body).content).toContainEqual({
      type: 'input_image',
      source: { type: 'base64', media_type: 'image/png', data: TINY_PNG_BASE64 },
    });
  });

  it('streams a PDF turn through /v1/responses with an input_file part', async () => {
    const m = marker('streampdf');
    const { events } = await stream(
      transport,
      ask(`read ${m}`, { attachments: [{ file: { name: 'doc.pdf', data: TINY_PDF_BASE64 } }] }),
    );
    expect(checkStream(fromGql(events))).toContain('images=0 files=1');
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.path).toBe('/v1/responses');
    expect(lastUserItem(upstream.body).content).toContainEqual({
      type: 'input_file',
      source: { type: 'base64', media_type: 'application/pdf', data: TINY_PDF_BASE64, filename: 'doc.pdf' },
    });
  });

  it('with `user`: session key header upstream and only the new turn', async () => {
    const m = marker('streamsess');
    const { events } = await stream(transport, {
      messages: [
        { role: 'user', content: 'old question' },
        { role: 'assistant', content: 'old answer' },
        { role: 'user', content: `new question ${m}` },
      ],
      user: `wx-${transport}`,
    });
    checkStream(fromGql(events));
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.headers['x-openclaw-session-key']).toMatch(/^minipro-/);
    expect(upstream.body.messages).toEqual([{ role: 'user', content: `new question ${m}` }]);
  });

  it('chatEvents without `after` on a finished run replays it from event 1', async () => {
    const first = await stream(transport, ask(`replay ${marker('replay')}`));
    const runId = first.events[0]!.runId;
    const replay = await subscribe(transport, CHAT_EVENTS, { runId });
    expect(replay.errors).toEqual([]);
    expect(replay.events).toEqual(first.events);
    expect(replay.events[0]?.eventId).toBe('1');
  });

  it('chatEvents with `after` on a finished run replays only what came after', async () => {
    const first = await stream(transport, ask(`after ${marker('after')}`));
    const runId = first.events[0]!.runId;
    const replay = await subscribe(transport, CHAT_EVENTS, { runId, after: '2' });
    expect(replay.events).toEqual(first.events.slice(2));
  });
});

describe('resume after a dropped connection', () => {
  it('graphql-sse: drop after a few events, then chatEvents(after: last seen) yields the rest exactly once', async () => {
    const m = marker('resumesse');
    const before = await stream('graphql-sse', ask(`FAKE_DELTAS_30 ${m}`), (_event, events) => events.length >= 4);
    expect(before.events).toHaveLength(4);
    const runId = before.events[0]!.runId;
    const last = before.events.at(-1)!.eventId;
    // The run went on server-side while nobody listened.
    const rest = await subscribe('graphql-sse', CHAT_EVENTS, { runId, after: last });
    expect(rest.errors).toEqual([]);
    expect(rest.events[0]?.eventId).toBe(String(Number(last) + 1));
    const all = [...before.events, ...rest.events];
    const text = checkStream(fromGql(all));
    expect(text).toBe(Array.from({ length: 30 }, (_, i) => ` w${i + 1}`).join(''));
    expect(completedText(all)).toBe(text);
  });

  it('graphql-ws: terminate the socket mid-stream, then resume on a new connection', async () => {
    const m = marker('resumews');
    const dropping = trackedWsClient();
    const seen: GqlEvent[] = [];
    const dropped = deferred();
    const iteration = collectGql(
      dropping.iterate({ query: CHAT_STREAM, variables: { input: ask(`FAKE_DELTAS_30 ${m}`) } }),
      (event) => {
        seen.push(event);
        if (seen.length === 4) {
          dropping.terminate();
          dropped.resolve();
          return true;
        }
        return false;
      },
    ).catch(() => undefined);
    await dropped.promise;
    await iteration;
    const runId = seen[0]!.runId;
    const last = seen.at(-1)!.eventId;
    const rest = await subscribe('graphql-ws', CHAT_EVENTS, { runId, after: last });
    expect(rest.errors).toEqual([]);
    const all = [...seen.slice(0, 4), ...rest.events];
    expect(checkStream(fromGql(all))).toBe(Array.from({ length: 30 }, (_, i) => ` w${i + 1}`).join(''));
  });

  it('a second subscriber can attach to a running run while the first keeps listening', async () => {
    const m = marker('twosubs');
    let second: Promise<Collected> | undefined;
    const first = await stream('graphql-ws', ask(`FAKE_DELTAS_15 ${m}`), (event) => {
      if (event.eventId === '3') second = subscribe('graphql-sse', CHAT_EVENTS, { runId: event.runId });
      return false;
    });
    expect(second).toBeDefined();
    const late = await second!;
    checkStream(fromGql(first.events));
    expect(late.events).toEqual(first.events);
  });
});

describe.each(TRANSPORTS)('cancel over %s', (transport) => {
  it.each(['FAKE_HANG', 'FAKE_SILENT'])(
    'cancelChat on a %s run returns true, ends the stream with CANCELLED and closes the upstream request',
    async (magic) => {
      const m = marker('cancel');
      const started = deferred<string>();
      const done = stream(transport, ask(`${magic} ${m}`), (event) => {
        if (event.__typename === 'ChatStarted') started.resolve(event.runId);
        return false;
      });
      const runId = await started.promise;
      const upstream = await upstreamFor(server.gateway, m);
      const cancel = await gql(server.baseUrl, CANCEL_CHAT, { runId }, { apiKey: server.apiKey });
      expect(cancel.errors).toBeUndefined();
      expect(cancel.data).toEqual({ cancelChat: true });
      const { events, errors } = await done;
      expect(errors).toEqual([]);
      const last = events.at(-1)!;
      expect(last.__typename).toBe('ChatFailed');
      expect(last.code).toBe('CANCELLED');
      expect(events.map((e) => e.__typename)).toEqual(['ChatStarted', 'ChatFailed']);
      await upstream.closed;
      expect(upstream.closedEarly).toBe(true);
      // A second cancel finds the run already ended.
      const again = await gql(server.baseUrl, CANCEL_CHAT, { runId }, { apiKey: server.apiKey });
      expect(again.data).toEqual({ cancelChat: false });
    },
  );
});

describe('raw SSE over fetch (POST, Accept: text/event-stream)', () => {
  it('is unbuffered, uncompressed, starts with a heartbeat comment and carries the events', async () => {
    const m = marker('raw');
    const response = await fetch(`${server.baseUrl}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'accept-encoding': 'gzip, deflate, br',
        'x-api-key': server.apiKey,
      },
      body: JSON.stringify({ query: CHAT_STREAM, variables: { input: ask(`raw ${m}`) } }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect([null, 'none', 'identity']).toContain(response.headers.get('content-encoding'));
    expect(response.headers.get('cache-control')).toMatch(/no-transform/);
    const { text } = await readUntil(response.body!, (t) => t.includes('event: complete'));
    const lines = text.split('\n');
    expect(lines[0]?.startsWith(':')).toBe(true);
    const events = lines
      .filter((line) => line.startsWith('data: ') && line.includes('chatStream'))
      .map((line) => (JSON.parse(line.slice(6)) as { data: { chatStream: GqlEvent } }).data.chatStream);
    expect(checkStream(fromGql(events))).toContain(`ECHO: raw ${m}`);
    expect(text).toContain('event: complete');
  });
});
