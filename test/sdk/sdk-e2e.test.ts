import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatStream } from '../../sdk/src/index.ts';
import { FAKE_CHINESE_TEXT } from '../fake-gateway/fake-gateway.ts';
import { rejection } from '../helpers/async.ts';
import { startTestServer } from '../helpers/server.ts';
import { buildBundleForTests } from './bundle.ts';
import { ask, collect, streamedText } from './streams.ts';
import { loadMiniprogramBundle } from './vm-runtime.ts';
import { createWxSimulator, type WxSimulator, type WxSimulatorOptions } from './wx-simulator.ts';

// The built mini-program bundle, in a sandbox with only what a phone has, against the real server and fake gateway.
const TINY_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

let bundleFile: string;
let server: Awaited<ReturnType<typeof startTestServer>>;
const simulators: WxSimulator[] = [];

beforeAll(async () => {
  bundleFile = (await buildBundleForTests()).file;
  server = await startTestServer();
});
afterAll(() => server.close());
afterEach(() => {
  for (const simulator of simulators.splice(0)) simulator.close();
});

function setup(simulatorOptions: WxSimulatorOptions = {}, clientOptions: Record<string, unknown> = {}) {
  const simulator = createWxSimulator(simulatorOptions);
  simulators.push(simulator);
  const { sdk } = loadMiniprogramBundle(bundleFile, simulator.wx);
  const client = sdk.createChatClient({ baseUrl: server.baseUrl, apiKey: server.apiKey, ...clientOptions });
  return { simulator, client };
}

describe('mini-program SDK against the real server', () => {
  it('sends text', async () => {
    const { client } = setup();
    const result = await client.sendChat(ask('hello from the phone'));
    expect(result.message.content).toContain('ECHO: hello from the phone');
    expect(result.runId).toBeTruthy();
  });

  it('sends an image as base64', async () => {
    const { client } = setup();
    const result = await client.sendChat({
      ...ask('what is this?'),
      attachments: [{ image: { data: TINY_PNG_BASE64, mimeType: 'image/png' } }],
    });
    expect(result.message.content).toContain('images=1');
  });

  it('sends a text file with its MIME type inferred from the name', async () => {
    const { client, simulator } = setup();
    const { sdk } = loadMiniprogramBundle(bundleFile, simulator.wx);
    const name = 'notes.txt';
    const result = await client.sendChat({
      ...ask('summarise the file'),
      attachments: [
        {
          file: { name, data: Buffer.from('hello file').toString('base64'), mimeType: sdk.mimeTypeFromFileName(name) },
        },
      ],
    });
    expect(result.message.content).toContain('files=1');
  });

  it('reads limits', async () => {
    const { client } = setup();
    const { limits } = await client.Limits();
    expect(limits.maxImages).toBeGreaterThan(0);
    expect(limits.imageMimeTypes).toContain('image/png');
  });

  it.each([1, 2, 3, 4, 5])('streams Chinese text intact through chunk chaos (seed %i)', async (seed) => {
    const { client } = setup({ seed, noChunkProbability: 0.25, bodyInSuccessProbability: 0.25 });
    expect(streamedText(await collect(client.chatStream(ask('FAKE_CHINESE'))))).toBe(FAKE_CHINESE_TEXT);
  });

  it('rejects a bad API key with UNAUTHENTICATED', async () => {
    const { client } = setup({}, { apiKey: 'not-a-key' });
    expect(await rejection(client.sendChat(ask('hi')))).toMatchObject({ name: 'SdkError', code: 'UNAUTHENTICATED' });
    expect(await rejection(collect(client.chatStream(ask('hi'))))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('rejects bad input with INVALID_INPUT', async () => {
    const { client } = setup();
    expect(await rejection(client.sendChat({ messages: [] }))).toMatchObject({ code: 'INVALID_INPUT' });
    expect(await rejection(collect(client.chatStream({ messages: [] })))).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('cancels a running stream on the server', async () => {
    const { client, simulator } = setup({ seed: 9 });
    const stream: ChatStream = client.chatStream(ask('FAKE_HANG'));
    let cancelled: boolean | undefined;
    for await (const event of stream) {
      if (event.__typename === 'ChatStarted') cancelled = await stream.cancel();
    }
    expect(cancelled).toBe(true);
    expect(simulator.requests[0]!.aborted).toBe(true);
    const cancelCall = simulator.requests.find(
      (r) => (r.body as { operationName?: string }).operationName === 'CancelChat',
    );
    expect(cancelCall).toBeDefined();
  });

  it('cancels a stream right after starting it, before any event arrived', async () => {
    const { client, simulator } = setup({ seed: 10 });
    const stream: ChatStream = client.chatStream(ask('FAKE_HANG'));
    expect(stream.runId).toBeUndefined();
    expect(await stream.cancel()).toBe(true);
    const operations = simulator.requests.map((r) => (r.body as { operationName?: string }).operationName);
    expect(operations).toEqual(['ChatStream', 'CancelChat']);
    expect(simulator.requests[0]!.aborted).toBe(true);
  });

  it('resumes a stream that went silent mid-way with nothing lost or repeated', async () => {
    const { client, simulator } = setup({ seed: 21 }, { idleTimeoutMs: 500 });
    simulator.dropNextStream(600);
    expect(streamedText(await collect(client.chatStream(ask('FAKE_CHINESE'))))).toBe(FAKE_CHINESE_TEXT);
    const operations = simulator.requests.map((r) => (r.body as { operationName?: string }).operationName);
    expect(operations).toEqual(['ChatStream', 'ChatEvents']);
    expect(server.gateway.requests.length).toBeGreaterThan(0);
  });
});

// The conversation operations, against the same server and its store.
describe('mini-program SDK: conversations', () => {
  it('streams into a new conversation, continues it, lists, reads, renames and deletes it', async () => {
    const { client: sdk } = setup();
    const events = await collect(sdk.chatStream(ask('第一个问题 from the phone')));
    const started = events[0] as { __typename: string; conversationId: string };
    expect(started.__typename).toBe('ChatStarted');
    const conversationId = started.conversationId;
    const completed = events.at(-1) as { result: { conversationId: string } };
    expect(completed.result.conversationId).toBe(conversationId);

    const second = await sdk.sendChat({ ...ask('second question'), conversationId });
    expect(second.conversationId).toBe(conversationId);

    const list = await sdk.Conversations({ first: 5 });
    expect(list.conversations.edges[0]?.node).toMatchObject({ id: conversationId, title: '第一个问题 from the phone' });

    const read = await sdk.Conversation({ id: conversationId, last: 10 });
    const nodes = read.conversation?.messages.edges.map((e: { node: { role: string; content: string } }) => e.node);
    expect(nodes?.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(nodes?.[3]?.content).toBe(second.message.content);

    const renamed = await sdk.RenameConversation({ id: conversationId, title: 'Renamed' });
    expect(renamed.renameConversation.title).toBe('Renamed');
    expect((await sdk.DeleteConversation({ id: conversationId })).deleteConversation).toBe(true);
    expect((await sdk.Conversation({ id: conversationId })).conversation).toBeNull();
  });
});
