import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent, ChatStream } from '../../sdk/src/index.ts';
import { rejection } from '../helpers/async.ts';
import { buildBundleForTests } from './bundle.ts';
import { CHINESE_ANSWER, type FakeGraphQLServer, startFakeGraphQLServer } from './fake-graphql-server.ts';
import { ask, collect, streamedText } from './streams.ts';
import { loadMiniprogramBundle } from './vm-runtime.ts';
import { createWxSimulator, type WxSimulator, type WxSimulatorOptions } from './wx-simulator.ts';

// The built bundle, in a sandbox with only what a phone has, against a local fake of the GraphQL endpoint.
let bundleFile: string;
let server: FakeGraphQLServer;
const simulators: WxSimulator[] = [];

beforeAll(async () => {
  bundleFile = (await buildBundleForTests()).file;
  server = await startFakeGraphQLServer({ validTokens: ['fresh-token'] });
});
afterAll(() => server.close());
afterEach(() => {
  for (const simulator of simulators.splice(0)) simulator.close();
});

/** A simulator closed after the test, so its open requests and timers do not outlive it. */
function trackedSimulator(options: WxSimulatorOptions = {}): WxSimulator {
  const simulator = createWxSimulator(options);
  simulators.push(simulator);
  return simulator;
}

function setup(simulatorOptions: WxSimulatorOptions = {}, clientOptions: Record<string, unknown> = {}) {
  const simulator = trackedSimulator(simulatorOptions);
  const runtime = loadMiniprogramBundle(bundleFile, simulator.wx);
  const client = runtime.sdk.createChatClient({ baseUrl: server.baseUrl, apiKey: server.apiKey, ...clientOptions });
  return { simulator, runtime, client };
}

describe('mini-program bundle in a bare runtime', () => {
  it('has none of the web or Node globals', () => {
    const { runtime } = setup();
    for (const name of ['fetch', 'TextDecoder', 'URL', 'AbortController', 'Buffer', 'require', 'process']) {
      expect(runtime.typeOf(name)).toBe('undefined');
    }
    expect(runtime.typeOf('wx')).toBe('object');
  });

  it('sends a chat and reads limits', async () => {
    const { client, simulator } = setup();
    const result = await client.sendChat({
      ...ask('hello'),
      attachments: [{ image: { data: 'iVBORw0KGgo=', mimeType: 'image/png' } }],
    });
    expect(result.message.content).toBe('ECHO: hello | images=1 files=0');
    expect((await client.Limits()).limits.maxImages).toBe(4);
    const sent = simulator.requests[0]!;
    expect(sent.header['X-Api-Key']).toBe(server.apiKey);
    expect(sent.header.Accept).toContain('application/graphql-response+json');
  });

  it('maps both 401 body shapes to UNAUTHENTICATED', async () => {
    const { client } = setup({}, { apiKey: 'wrong' });
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await rejection(client.sendChat(ask('hi')));
      expect(error).toMatchObject({ name: 'SdkError', code: 'UNAUTHENTICATED', status: 401 });
    }
  });

  it('maps GraphQL errors to their code', async () => {
    const { client } = setup();
    expect(await rejection(client.sendChat({ messages: [] }))).toMatchObject({ code: 'INVALID_INPUT', status: 400 });
  });

  it('maps a dead server to NETWORK_ERROR', async () => {
    const simulator = trackedSimulator();
    const { sdk } = loadMiniprogramBundle(bundleFile, simulator.wx);
    const client = sdk.createChatClient({ baseUrl: 'http://127.0.0.1:1', apiKey: 'k' });
    expect(await rejection(client.sendChat(ask('hi')))).toMatchObject({ code: 'NETWORK_ERROR' });
  });

  it('refreshes the token once after a 401', async () => {
    const calls: boolean[] = [];
    const getToken = (options: { forceRefresh: boolean }) => {
      calls.push(options.forceRefresh);
      return Promise.resolve(options.forceRefresh ? 'fresh-token' : 'stale-token');
    };
    const { client, simulator } = setup({}, { apiKey: undefined, getToken });
    expect((await client.sendChat(ask('t'))).message.content).toContain('ECHO: t');
    expect(calls).toEqual([false, true]);
    expect(simulator.requests.map((r) => r.header.Authorization)).toEqual(['Bearer stale-token', 'Bearer fresh-token']);

    calls.length = 0;
    const events = await collect(client.chatStream(ask('stream with token')));
    streamedText(events);
    expect(calls).toEqual([false, true]);
  });

  it('reports a token supplier that fails as an SdkError, on every call', async () => {
    const getToken = () => Promise.reject(new Error('wx.login failed'));
    const { client } = setup({}, { apiKey: undefined, getToken });
    const expected = { name: 'SdkError', code: 'INTERNAL', message: 'wx.login failed' };
    expect(await rejection(client.sendChat(ask('hi')))).toMatchObject(expected);
    expect(await rejection(collect(client.chatStream(ask('hi'))))).toMatchObject(expected);
  });
});

describe('chatStream over chunked wx.request', () => {
  const seeds = Array.from({ length: 12 }, (_, index) => index + 1);

  it.each(seeds)('delivers Chinese text intact however the body is chunked (seed %i)', async (seed) => {
    const { client } = setup({ seed, noChunkProbability: 0.25, bodyInSuccessProbability: 0.3 });
    const text = streamedText(await collect(client.chatStream(ask('FAKE_CHINESE'))));
    expect(text).toBe(CHINESE_ANSWER);
  });

  it('aborts the request when the consumer stops iterating', async () => {
    const { client, simulator } = setup({ seed: 7 });
    for await (const event of client.chatStream(ask('a fairly long question to stream'))) {
      if (event.__typename === 'ChatDelta') break;
    }
    expect(simulator.requests[0]!.aborted).toBe(true);
  });

  it('cancel() aborts and cancels the run on the server', async () => {
    const { client, simulator } = setup({ seed: 8, ignoreAbortProbability: 1 });
    const stream: ChatStream = client.chatStream(ask('please cancel this long answer'));
    const seen: ChatEvent[] = [];
    let cancelled: boolean | undefined;
    for await (const event of stream) {
      seen.push(event);
      if (event.__typename === 'ChatDelta') cancelled = await stream.cancel();
    }
    expect(cancelled).toBe(true);
    expect(seen.at(-1)?.__typename).toBe('ChatDelta'); // nothing delivered after cancel, though abort was ignored
    expect(server.cancelled).toContain(stream.runId);
    expect(simulator.requests[0]!.aborted).toBe(true);
  });

  it.each([130, 400, 700])(
    'resumes a stream that went silent after %i bytes, losing and repeating nothing',
    async (bytes) => {
      const { client, simulator } = setup({ seed: bytes }, { idleTimeoutMs: 300 });
      simulator.dropNextStream(bytes);
      const text = streamedText(await collect(client.chatStream(ask('FAKE_CHINESE'))));
      expect(text).toBe(CHINESE_ANSWER);
      const resumed = simulator.requests.filter(
        (request) => (request.body as { operationName?: string }).operationName === 'ChatEvents',
      );
      expect(resumed).toHaveLength(1);
      expect(simulator.requests[0]!.aborted).toBe(true);
    },
  );

  it('refreshes an expired token when it resumes a stream', async () => {
    const calls: boolean[] = [];
    // Valid for the first connection; the resume's cached token has expired meanwhile.
    const getToken = (options: { forceRefresh: boolean }) => {
      calls.push(options.forceRefresh);
      return Promise.resolve(calls.length === 1 || options.forceRefresh ? 'fresh-token' : 'stale-token');
    };
    const { client, simulator } = setup({ seed: 9 }, { apiKey: undefined, getToken, idleTimeoutMs: 300 });
    simulator.dropNextStream(400);
    expect(streamedText(await collect(client.chatStream(ask('FAKE_CHINESE'))))).toBe(CHINESE_ANSWER);
    expect(calls).toEqual([false, false, true]);
  });

  it('fails with TIMEOUT when a stream goes silent before its run id is known (no safe resume)', async () => {
    const { client, simulator } = setup({ seed: 5 }, { idleTimeoutMs: 200 });
    simulator.dropNextStream(40); // inside ChatStarted
    expect(await rejection(collect(client.chatStream(ask('FAKE_CHINESE'))))).toMatchObject({ code: 'TIMEOUT' });
    expect(simulator.requests).toHaveLength(1);
  });

  it('fails with TIMEOUT when a stream is silent before any event', async () => {
    const { client } = setup({}, { idleTimeoutMs: 200 });
    const server2 = await startFakeGraphQLServer({ heartbeatMs: 60_000 });
    try {
      const other = loadMiniprogramBundle(bundleFile, trackedSimulator().wx).sdk.createChatClient({
        baseUrl: server2.baseUrl,
        apiKey: server2.apiKey,
        idleTimeoutMs: 200,
      });
      expect(await rejection(collect(other.chatStream(ask('HANG_BEFORE_START'))))).toMatchObject({ code: 'TIMEOUT' });
    } finally {
      await server2.close();
    }
    expect(client).toBeDefined();
  });

  it('surfaces errors sent before the stream starts', async () => {
    const { client } = setup({ seed: 3, noChunkProbability: 0.5 });
    expect(await rejection(collect(client.chatStream({ messages: [] })))).toMatchObject({
      code: 'INVALID_INPUT',
      status: 400,
    });
    expect(await rejection(collect(client.chatStream(ask('NEXT_ERROR'))))).toMatchObject({ code: 'UPSTREAM_FAILED' });
  });

  it('keeps the generated ChatStream operation resumable and shaped by its root field', async () => {
    const { client, simulator } = setup({ seed: 11 }, { idleTimeoutMs: 300 });
    simulator.dropNextStream(120);
    const events: ChatEvent[] = [];
    for await (const result of client.ChatStream({ input: ask('FAKE_CHINESE') })) events.push(result.chatStream);
    expect(streamedText(events)).toBe(CHINESE_ANSWER);
  });
});
