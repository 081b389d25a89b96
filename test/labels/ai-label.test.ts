import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectGql, gql, marker, sseClient } from '../helpers/fixtures.ts';
import { dataPayloads, postChat, readSse, userMessage } from '../helpers/rest.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { latestConversation, SEND, STREAM, trpcClient } from '../moderation/moderated-server.ts';

// Every answer carries the AI label, moderation or not (MODERATION is off here), on every surface.

const LABEL = 'AI 生成的回答';
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { AI_LABEL_TEXT: LABEL } });
});
afterAll(() => server.close());

describe('AI label', () => {
  it('GraphQL: sendChat, the streamed ChatCompleted, and stored assistant messages (not user ones)', async () => {
    const sent = await gql<{ sendChat: { aiGenerated: boolean; label: string } }>(
      server.baseUrl,
      SEND,
      { input: { messages: [userMessage(marker('gql'))] } },
      { apiKey: server.apiKey },
    );
    expect(sent.data?.sendChat).toMatchObject({ aiGenerated: true, label: LABEL });
    const { messages } = await latestConversation(server);
    expect(messages.map((m) => [m.role, m.aiGenerated, m.label])).toEqual([
      ['user', false, null],
      ['assistant', true, LABEL],
    ]);
    const { events } = await collectGql(
      sseClient(server).iterate({ query: STREAM, variables: { input: { messages: [userMessage(marker('s'))] } } }),
    );
    expect(events.at(-1)).toMatchObject({ result: { aiGenerated: true, label: LABEL } });
  });

  it('REST: the non-streaming answer and the final stream chunk', async () => {
    const body = await (await postChat(server, { messages: [userMessage(marker('rest'))] })).json();
    expect(body).toMatchObject({ aiGenerated: true, label: LABEL });
    const response = await postChat(server, { messages: [userMessage(marker('rest'))], stream: true });
    const payloads = dataPayloads((await readSse(response)).frames);
    expect(payloads.at(-2)).toMatchObject({ choices: [{ finish_reason: 'stop' }], aiGenerated: true, label: LABEL });
  });

  it('tRPC: chat.send and conversations.messages', async () => {
    const trpc = trpcClient(server);
    const result = await trpc.chat.send.mutate({ messages: [{ role: 'user', content: marker('trpc') }] });
    expect(result).toMatchObject({ aiGenerated: true, label: LABEL });
    const page = await trpc.conversations.messages.query({ conversationId: result.conversationId ?? '' });
    expect(page.edges.map((e) => [e.node.role, e.node.aiGenerated, e.node.label])).toEqual([
      ['user', false, null],
      ['assistant', true, LABEL],
    ]);
  });
});
