/**
 * Generated images and files over the ws transport, through the real server to real clients: the fake gateway
 * scripts MEDIA: answers whose artifacts reach chat.history after the final; the clients get signed URLs of ours
 * and fetch the bytes through them, never the gateway's URLs.
 */
import type { TRPCClient } from '@trpc/client';
import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../src/contract/chat.ts';
import type { AppRouter } from '../../src/trpc/router.ts';
import { GENERATED_PDF, GENERATED_PNG } from '../fake-gateway-ws/fake-ws-gateway.ts';
import { deferred } from '../helpers/async.ts';
import { CHAT_STREAM, collectGql, gql } from '../helpers/fixtures.ts';
import { trpcClientAt } from '../helpers/trpc-client.ts';
import { startWsTestServer, type WsTestServer } from '../helpers/ws-server.ts';
import { buildBundleForTests } from '../sdk/bundle.ts';
import { collect } from '../sdk/streams.ts';
import { loadMiniprogramBundle } from '../sdk/vm-runtime.ts';
import { createWxSimulator } from '../sdk/wx-simulator.ts';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON in assertions
type Json = any;

let server: WsTestServer;
const extra: WsTestServer[] = [];

beforeAll(async () => {
  server = await startWsTestServer();
});
afterAll(async () => {
  await Promise.all([server, ...extra].map((s) => s.close()));
});

async function serverWith(options: Parameters<typeof startWsTestServer>[0]): Promise<WsTestServer> {
  const started = await startWsTestServer(options);
  extra.push(started);
  return started;
}

const ask = (content: string, more: Record<string, unknown> = {}) => ({
  messages: [{ role: 'user' as const, content }],
  ...more,
});

/** What the gateway must never leak to a client: its media URLs, tickets and artifact ids. */
const GATEWAY_TRACES = ['/api/chat/media', 'mediaTicket', 'artifact_managed', 'openUrl'];

function expectNoGatewayTraces(text: string): void {
  for (const trace of GATEWAY_TRACES) expect(text).not.toContain(trace);
}

/** Fetches one of our attachment URLs (relative without PUBLIC_BASE_URL) with no credentials, as `<image>` does. */
async function fetchOurs(target: WsTestServer, url: string): Promise<{ response: Response; bytes: Buffer }> {
  expect(url).toMatch(/^\/attachments\/a_[^?]+\?e=\d+&s=/);
  const response = await fetch(new URL(url, target.baseUrl));
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

function streamGql(target: WsTestServer, input: Record<string, unknown>) {
  const client = createSseClient({
    url: `${target.baseUrl}/graphql`,
    singleConnection: false,
    headers: { 'x-api-key': target.apiKey },
    retryAttempts: 0,
  });
  const query = CHAT_STREAM.replace(
    'attachments { __typename ... on ImageAttachment { url alt } ... on FileAttachment { url name } }',
    'attachments { __typename ... on ImageAttachment { url alt mimeType size } ... on FileAttachment { url name mimeType size } }',
  );
  return collectGql(client.iterate({ query, variables: { input } }));
}

const trpcOf = (target: WsTestServer) => trpcClientAt(target.baseUrl, { 'x-api-key': target.apiKey });

function trpcEvents(trpc: TRPCClient<AppRouter>, runId: string): Promise<ChatEvent[]> {
  const done = deferred<ChatEvent[]>();
  const events: ChatEvent[] = [];
  const subscription = trpc.chat.events.subscribe(
    { runId },
    {
      onData: (tracked) => {
        events.push(tracked.data);
        if (tracked.data.type === 'completed' || tracked.data.type === 'failed') {
          subscription.unsubscribe();
          done.resolve(events);
        }
      },
      onError: (error) => done.reject(error),
    },
  );
  return done.promise;
}

describe('generated media over ws', () => {
  it('reaches a GraphQL stream in ChatCompleted as our signed URLs, whose bytes are the generated ones', async () => {
    const { events, errors } = await streamGql(server, ask('FAKE_MEDIA_PDF draw and write'));
    expect(errors).toEqual([]);
    const completed = events.at(-1) as Json;
    expect(completed.__typename).toBe('ChatCompleted');
    expect(completed.result.message.content).toBe('Here is the local cat.');
    const [image, file] = completed.result.attachments;
    expect(image).toMatchObject({
      __typename: 'ImageAttachment',
      alt: 'cat.png',
      mimeType: 'image/png',
      size: GENERATED_PNG.length,
    });
    expect(file).toMatchObject({
      __typename: 'FileAttachment',
      name: 'report.pdf',
      mimeType: 'application/pdf',
      size: GENERATED_PDF.length,
    });
    expectNoGatewayTraces(JSON.stringify(events));

    const png = await fetchOurs(server, image.url);
    expect(png.response.status).toBe(200);
    expect(png.response.headers.get('content-type')).toBe('image/png');
    expect(png.bytes.equals(GENERATED_PNG)).toBe(true);
    const pdf = await fetchOurs(server, file.url);
    expect(pdf.response.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''report.pdf");
    expect(pdf.bytes.equals(GENERATED_PDF)).toBe(true);
    // The gateway's ticket URL was used, without our gateway token.
    expect(server.gateway.mediaRequests.at(-1)).toMatchObject({ ticket: true, bearer: false });
  });

  it('is kept with the conversation: read back with fresh URLs, replayed from the store, no duplicate', async () => {
    const sent = await gql<Json>(
      server.baseUrl,
      'mutation($input: SendChatInput!) { sendChat(input: $input) { runId conversationId attachments { __typename ... on ImageAttachment { url } } } }',
      { input: ask('FAKE_MEDIA keep it') },
      { apiKey: server.apiKey },
    );
    const { runId, conversationId, attachments } = sent.data.sendChat;
    expect(attachments).toHaveLength(1);
    const read = await gql<Json>(
      server.baseUrl,
      'query($id: ID!) { conversation(id: $id) { messages { edges { node { role attachments { __typename ... on ImageAttachment { url alt mimeType size } } } } } } }',
      { id: conversationId },
      { apiKey: server.apiKey },
    );
    const answer = read.data.conversation.messages.edges.at(-1).node;
    expect(answer.role).toBe('assistant');
    expect(answer.attachments).toEqual([
      {
        __typename: 'ImageAttachment',
        url: expect.any(String),
        alt: 'cat.png',
        mimeType: 'image/png',
        size: 1 * GENERATED_PNG.length,
      },
    ]);
    expect((await fetchOurs(server, answer.attachments[0].url)).bytes.equals(GENERATED_PNG)).toBe(true);

    // The in-memory run is forgotten after a restart: chatEvents then replays it from the store.
    const principal = await server.app.authenticate({ 'x-api-key': server.apiKey });
    const replay = await server.app.conversations?.api.replay(principal, runId);
    const replayed: Json[] = [];
    for await (const event of replay ?? []) replayed.push(event);
    expect(replayed.at(-1).result.attachments).toEqual([
      {
        type: 'image',
        url: expect.stringMatching(/^\/attachments\/a_/),
        name: 'cat.png',
        mimeType: 'image/png',
        size: GENERATED_PNG.length,
      },
    ]);
  });

  it('reaches tRPC chat.events and the REST stream’s final chunk', async () => {
    const trpc = trpcOf(server);
    const { runId } = await trpc.chat.start.mutate(ask('FAKE_MEDIA over trpc'));
    const events = await trpcEvents(trpc, runId);
    const completed = events.at(-1) as Extract<ChatEvent, { type: 'completed' }>;
    expect(completed.result.attachments).toEqual([
      {
        type: 'image',
        url: expect.stringMatching(/^\/attachments\//),
        name: 'cat.png',
        mimeType: 'image/png',
        size: GENERATED_PNG.length,
      },
    ]);
    expectNoGatewayTraces(JSON.stringify(events));

    // REST keeps media for clients with a `user` (their turns are one stored conversation).
    const response = await fetch(`${server.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
      body: JSON.stringify(ask('FAKE_MEDIA over rest', { user: 'rest-user', stream: true })),
    });
    const raw = await response.text();
    expectNoGatewayTraces(raw);
    const final = raw
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)))
      .find((chunk) => chunk.attachments);
    expect(final.attachments).toHaveLength(1);
    expect((await fetchOurs(server, final.attachments[0].url)).bytes.equals(GENERATED_PNG)).toBe(true);
  });

  it('is still delivered when the connection dropped before the final (recovered run)', async () => {
    const target = await serverWith({});
    const { events, errors } = await streamGql(target, ask('FAKE_MEDIA FAKE_DROP while drawing'));
    expect(errors).toEqual([]);
    const completed = events.at(-1) as Json;
    expect(completed.result.message.content).toBe('Here is the local cat.');
    expect(target.gateway.requests.some((r) => r.method === 'agent.wait')).toBe(true);
    const [image] = completed.result.attachments;
    expect((await fetchOurs(target, image.url)).bytes.equals(GENERATED_PNG)).toBe(true);
  });

  it('a stateless REST call keeps no media (nothing to own it): no download', async () => {
    const before = server.gateway.requests.filter((r) => r.method === 'artifacts.download').length;
    const response = await fetch(`${server.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
      body: JSON.stringify(ask('FAKE_MEDIA stateless')),
    });
    const body = await response.json();
    expect(body.choices[0].message.content).toBe('Here is the local cat.');
    expect(body.attachments).toEqual([]);
    expect(server.gateway.requests.filter((r) => r.method === 'artifacts.download').length).toBe(before);
  });
});

describe('generated media: other download paths and bounds', () => {
  it('takes the bytes inline when artifacts.download answers in bytes mode', async () => {
    const target = await serverWith({ gateway: { artifacts: 'bytes' } });
    const { events } = await streamGql(target, ask('FAKE_MEDIA inline'));
    const [image] = (events.at(-1) as Json).result.attachments;
    expect((await fetchOurs(target, image.url)).bytes.equals(GENERATED_PNG)).toBe(true);
    expect(target.gateway.mediaRequests).toEqual([]);
  });

  it('falls back to the block URL with the gateway token when artifacts.download is unavailable', async () => {
    const target = await serverWith({ gateway: { artifacts: 'unavailable' } });
    const { events } = await streamGql(target, ask('FAKE_MEDIA old gateway'));
    const [image] = (events.at(-1) as Json).result.attachments;
    expect((await fetchOurs(target, image.url)).bytes.equals(GENERATED_PNG)).toBe(true);
    expect(target.gateway.mediaRequests).toEqual([expect.objectContaining({ ticket: false, bearer: true })]);
  });

  it('skips an artifact over OPENCLAW_MEDIA_MAX_BYTES, one on another host, and one that never appears', async () => {
    const target = await serverWith({ env: { OPENCLAW_MEDIA_MAX_BYTES: '4096', OPENCLAW_MEDIA_WAIT_MS: '400' } });
    for (const prompt of ['FAKE_MEDIA_BIG_100000 huge', 'FAKE_MEDIA_OFFSITE elsewhere', 'FAKE_MEDIA_NEVER late']) {
      const { events, errors } = await streamGql(target, ask(prompt));
      expect(errors).toEqual([]);
      const completed = events.at(-1) as Json;
      expect(completed.__typename).toBe('ChatCompleted');
      expect(completed.result.message.content).toBe('Here is the local cat.');
      expect(completed.result.attachments).toEqual([]);
    }
    // The oversize one was cut off while streaming (it declared no size); the offsite one was never fetched.
    expect(target.gateway.mediaRequests.map((r) => r.path)).toEqual([expect.stringContaining('artifact_managed_big')]);
  });

  it('keeps at most 8 generated files per run, in the transcript’s order', async () => {
    const before = server.gateway.mediaRequests.length;
    const { events } = await streamGql(server, ask('FAKE_MEDIA_MANY_12 a flood of cats'));
    const attachments = (events.at(-1) as Json).result.attachments;
    expect(attachments.map((a: Json) => a.alt)).toEqual(Array.from({ length: 8 }, (_, i) => `cat-${i}.png`));
    expect(server.gateway.mediaRequests.length - before).toBe(8);
  });

  it('keeps only a bare, clean file name', async () => {
    const { events } = await streamGql(server, ask('FAKE_MEDIA_EVIL path'));
    const [image] = (events.at(-1) as Json).result.attachments;
    expect(image.alt).toBe('cat.png');
    expectNoGatewayTraces(JSON.stringify(events));
    expect(JSON.stringify(events)).not.toContain('/home/agent');
  });

  it('stores nothing over the owner’s attachment quota; the answer still completes', async () => {
    const target = await serverWith({ env: { ATTACHMENT_MAX_BYTES_PER_OWNER: '16' } });
    const { events } = await streamGql(target, ask('FAKE_MEDIA quota'));
    expect((events.at(-1) as Json).result).toMatchObject({
      message: { content: 'Here is the local cat.' },
      attachments: [],
    });
  });

  it('with DATABASE_URL=none the answer completes without media and nothing is downloaded', async () => {
    const target = await serverWith({ env: { DATABASE_URL: 'none' } });
    const { events } = await streamGql(target, ask('FAKE_MEDIA no store'));
    expect((events.at(-1) as Json).result).toMatchObject({
      message: { content: 'Here is the local cat.' },
      attachments: [],
    });
    expect(target.gateway.requests.some((r) => r.method === 'artifacts.download')).toBe(false);
  });
});

const sessionKeysOf = (target: WsTestServer, needle: string) =>
  target.gateway.requests
    .filter((r) => r.method === 'chat.send' && String(r.params.message).includes(needle))
    .map((r) => String(r.params.sessionKey));

describe('resetConversation', () => {
  it('keeps the stored messages and moves the next turn to a fresh gateway session (GraphQL and tRPC)', async () => {
    const send = (content: string, conversationId?: string) =>
      gql<Json>(
        server.baseUrl,
        'mutation($input: SendChatInput!) { sendChat(input: $input) { conversationId } }',
        { input: ask(content, conversationId ? { conversationId } : {}) },
        { apiKey: server.apiKey },
      );
    const id = (await send('reset one')).data.sendChat.conversationId;
    await send('reset two', id);
    const reset = await gql<Json>(
      server.baseUrl,
      'mutation($id: ID!) { resetConversation(id: $id) { id title } }',
      { id },
      { apiKey: server.apiKey },
    );
    expect(reset.data.resetConversation).toEqual({ id, title: 'reset one' });
    await send('reset three', id);
    await trpcOf(server).conversations.reset.mutate({ id });
    await send('reset four', id);

    const [first] = sessionKeysOf(server, 'reset one');
    expect(sessionKeysOf(server, 'reset two')).toEqual([first]);
    expect(sessionKeysOf(server, 'reset three')).toEqual([`${first}-r1`]);
    expect(sessionKeysOf(server, 'reset four')).toEqual([`${first}-r2`]);
    // The fresh session is sent only the new turn, like any continued conversation.
    const third = server.gateway.requests.find((r) => r.method === 'chat.send' && r.params.message === 'reset three');
    expect(third?.params.message).toBe('reset three');

    const read = await gql<Json>(
      server.baseUrl,
      'query($id: ID!) { conversation(id: $id) { messages(last: 20) { edges { node { role content } } } } }',
      { id },
      { apiKey: server.apiKey },
    );
    expect(read.data.conversation.messages.edges.map((e: Json) => e.node.content)).toEqual([
      'reset one',
      'ECHO: reset one | images=0',
      'reset two',
      'ECHO: reset two | images=0',
      'reset three',
      'ECHO: reset three | images=0',
      'reset four',
      'ECHO: reset four | images=0',
    ]);
  });

  it('is NOT_FOUND for another key’s conversation or an unknown id', async () => {
    const sent = await gql<Json>(
      server.baseUrl,
      'mutation($input: SendChatInput!) { sendChat(input: $input) { conversationId } }',
      { input: ask('mine only') },
      { apiKey: server.apiKey },
    );
    const { OTHER_API_KEY } = await import('../helpers/server.ts');
    for (const [id, apiKey] of [
      [sent.data.sendChat.conversationId, OTHER_API_KEY],
      ['c_unknown', server.apiKey],
    ]) {
      const answer = await gql(
        server.baseUrl,
        'mutation($id: ID!) { resetConversation(id: $id) { id } }',
        { id },
        { apiKey },
      );
      expect(answer.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
  });
});

describe('the mini-program SDK over ws', () => {
  it('streams a generated image the phone then loads through our URL, and resets the conversation', async () => {
    const simulator = createWxSimulator();
    try {
      const { sdk } = loadMiniprogramBundle((await buildBundleForTests()).file, simulator.wx);
      const client = sdk.createChatClient({ baseUrl: server.baseUrl, apiKey: server.apiKey });
      const events = await collect(client.chatStream(ask('FAKE_MEDIA for the phone')));
      const last = events.at(-1) as Json;
      expect(last.__typename).toBe('ChatCompleted');
      const [image] = last.result.attachments;
      expect(image).toMatchObject({ __typename: 'ImageAttachment', mimeType: 'image/png', size: GENERATED_PNG.length });
      expectNoGatewayTraces(JSON.stringify(events));
      const loaded = await new Promise<Json>((resolve, reject) =>
        simulator.wx.request({
          url: new URL(image.url, server.baseUrl).href,
          method: 'GET',
          responseType: 'arraybuffer',
          success: resolve,
          fail: reject,
        }),
      );
      expect(loaded.statusCode).toBe(200);
      expect(Buffer.from(loaded.data as ArrayBuffer).equals(GENERATED_PNG)).toBe(true);

      const id = last.result.conversationId;
      expect((await client.ResetConversation({ id })).resetConversation.id).toBe(id);
      await client.sendChat(ask('after the phone reset', { conversationId: id }));
      const [before] = sessionKeysOf(server, 'FAKE_MEDIA for the phone');
      expect(sessionKeysOf(server, 'after the phone reset')).toEqual([`${before}-r1`]);
    } finally {
      simulator.close();
    }
  });
});
