import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEC_MARKERS } from '../fake-wechat/msg-sec-check.ts';
import { ask, collectGql, gql, marker, noUpstream, sseClient, upstreamFor } from '../helpers/fixtures.ts';
import { expectError, expectStillServes, postChat, userMessage } from '../helpers/rest.ts';
import { OTHER_API_KEY } from '../helpers/server.ts';
import {
  latestConversation,
  type ModeratedServer,
  SEND,
  STREAM,
  startModeratedServer,
  TEST_OPENID,
  trpcClient,
} from './moderated-server.ts';

// The user's turn is checked before anything goes upstream; a refusal is 400 CONTENT_REJECTED on every surface.

let m: ModeratedServer;
beforeAll(async () => {
  m = await startModeratedServer();
});
afterAll(() => m.close());

const risky = (label: string) => `${marker(label)} ${SEC_MARKERS.risky}`;

describe('the user turn', () => {
  it('pass: checked once with version 2, the openid and scene 2, then answered', async () => {
    const text = marker('pass');
    const before = m.checks().length;
    const response = await gql<{ sendChat: { message: { content: string } } }>(
      m.server.baseUrl,
      SEND,
      { input: ask(text) },
      { apiKey: m.server.apiKey },
    );
    expect(response.data?.sendChat.message.content).toContain(`ECHO: ${text}`);
    const [input, output] = m.checks().slice(before);
    expect(input).toEqual({ content: text, version: 2, scene: 2, openid: TEST_OPENID });
    expect(output?.content).toContain(`ECHO: ${text}`);
  });

  it('risky over GraphQL sendChat: CONTENT_REJECTED, nothing upstream, stored as rejected for its author', async () => {
    const text = risky('gql');
    const response = await gql(m.server.baseUrl, SEND, { input: ask(text) }, { apiKey: m.server.apiKey });
    expect(response.errors?.[0]?.extensions?.code).toBe('CONTENT_REJECTED');
    expect(response.errors?.[0]?.message).not.toContain(SEC_MARKERS.risky);
    expect(noUpstream(m.server.gateway, text)).toBe(true);
    const conversation = await latestConversation(m.server);
    expect(conversation.title).toBe('New conversation');
    expect(conversation.messages).toEqual([
      { role: 'user', content: text, status: 'rejected', errorCode: null, aiGenerated: false, label: null },
    ]);
  });

  it('risky in a conversation that goes on: the refused turn is kept, the next one is answered', async () => {
    const first = marker('first');
    const started = await gql<{ sendChat: { conversationId: string } }>(
      m.server.baseUrl,
      SEND,
      { input: ask(first) },
      { apiKey: m.server.apiKey },
    );
    const conversationId = started.data?.sendChat.conversationId;
    const refused = risky('second');
    const response = await gql(
      m.server.baseUrl,
      SEND,
      { input: ask(refused, { conversationId }) },
      {
        apiKey: m.server.apiKey,
      },
    );
    expect(response.errors?.[0]?.extensions?.code).toBe('CONTENT_REJECTED');
    const third = marker('third');
    await gql(m.server.baseUrl, SEND, { input: ask(third, { conversationId }) }, { apiKey: m.server.apiKey });
    const { messages } = await latestConversation(m.server);
    expect(messages.map((msg) => [msg.role, msg.status])).toEqual([
      ['user', null],
      ['assistant', 'completed'],
      ['user', 'rejected'],
      ['user', null],
      ['assistant', 'completed'],
    ]);
    expect(noUpstream(m.server.gateway, refused)).toBe(true);
  });

  it('risky over GraphQL chatStream: the subscription errors with CONTENT_REJECTED before any event', async () => {
    const text = risky('stream');
    const { events, errors } = await collectGql(
      sseClient(m.server).iterate({ query: STREAM, variables: { input: ask(text) } }),
    );
    expect(events).toEqual([]);
    expect(errors[0]?.extensions?.code).toBe('CONTENT_REJECTED');
    expect(noUpstream(m.server.gateway, text)).toBe(true);
  });

  it.each([false, true])(
    'risky over REST (stream: %s): 400 CONTENT_REJECTED as JSON, nothing upstream',
    async (stream) => {
      const text = risky('rest');
      const response = await postChat(m.server, { messages: [userMessage(text)], stream, user: 'legacy-user' });
      const error = await expectError(response, 400, 'CONTENT_REJECTED');
      expect(error.type).toBe('invalid_request_error');
      expect(noUpstream(m.server.gateway, text)).toBe(true);
      await expectStillServes(m.server);
    },
  );

  it('risky over tRPC chat.send and chat.start: BAD_REQUEST with appCode CONTENT_REJECTED, nothing upstream', async () => {
    const trpc = trpcClient(m.server);
    for (const call of [trpc.chat.send.mutate, trpc.chat.start.mutate]) {
      const text = risky('trpc');
      const error = await call(ask(text)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TRPCClientError);
      expect((error as TRPCClientError<never>).data).toMatchObject({ appCode: 'CONTENT_REJECTED', httpStatus: 400 });
      expect(noUpstream(m.server.gateway, text)).toBe(true);
    }
  });

  it('review is allowed by default (MODERATION_REVIEW=allow)', async () => {
    const text = `${marker('review')} ${SEC_MARKERS.review}`;
    const response = await postChat(m.server, { messages: [userMessage(text)] });
    expect(response.status).toBe(200);
    await upstreamFor(m.server.gateway, text);
  });

  it('a long turn is checked in pieces of at most 2500 characters, all before it goes upstream', async () => {
    const text = `${marker('long')} ${'长'.repeat(6000)}`;
    const before = m.checks().length;
    const response = await postChat(m.server, { messages: [userMessage(`${text} ${SEC_MARKERS.risky}`)] });
    await expectError(response, 400, 'CONTENT_REJECTED');
    const pieces = m
      .checks()
      .slice(before)
      .map((c) => c.content);
    expect(pieces.map((p) => p.length)).toEqual([2500, 2500, 1000 + text.length - 6000 + 1 + SEC_MARKERS.risky.length]);
    expect(pieces.join('')).toBe(`${text} ${SEC_MARKERS.risky}`);
    expect(m.server.gateway.requests.some((r) => JSON.stringify(r.body ?? '').includes('长长长'))).toBe(false);
  });

  it('an API key without an openid is not checked (no WeChat call) and is answered', async () => {
    const text = risky('apikey');
    const before = m.wechat.wechat.received.length;
    const response = await postChat(m.server, { messages: [userMessage(text)] }, { apiKey: OTHER_API_KEY });
    expect(response.status).toBe(200);
    expect(m.wechat.wechat.received.length).toBe(before);
    await upstreamFor(m.server.gateway, text);
  });
});

describe('MODERATION_REVIEW=refuse', () => {
  let strict: ModeratedServer;
  beforeAll(async () => {
    strict = await startModeratedServer({ MODERATION_REVIEW: 'refuse' });
  });
  afterAll(() => strict.close());

  it('review is refused like risky', async () => {
    const text = `${marker('review')} ${SEC_MARKERS.review}`;
    await expectError(await postChat(strict.server, { messages: [userMessage(text)] }), 400, 'CONTENT_REJECTED');
    expect(noUpstream(strict.server.gateway, text)).toBe(true);
  });
});
