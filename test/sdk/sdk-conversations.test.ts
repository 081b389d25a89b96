import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server.ts';
import { buildBundleForTests } from './bundle.ts';
import { ask, collect } from './streams.ts';
import { loadMiniprogramBundle } from './vm-runtime.ts';
import { createWxSimulator, type WxSimulator } from './wx-simulator.ts';

// The conversation operations of the built mini-program bundle, against the real server and its store.
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

function client() {
  const simulator = createWxSimulator();
  simulators.push(simulator);
  const { sdk } = loadMiniprogramBundle(bundleFile, simulator.wx);
  return sdk.createChatClient({ baseUrl: server.baseUrl, apiKey: server.apiKey });
}

describe('mini-program SDK: conversations', () => {
  it('streams into a new conversation, continues it, lists, reads, renames and deletes it', async () => {
    const sdk = client();
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
