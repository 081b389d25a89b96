/**
 * The store against hostile callers: a delta flood never turns into a write flood, page sizes and cursors are
 * bounded, a huge title is refused without being scanned, one owner cannot fill the disk with attachments, and a
 * stream of new conversations does not grow the process.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConversationStore } from '../../src/store/conversation-store.ts';
import { measureBounds } from '../helpers/bounds.ts';
import { ask, collectGql, gql, marker, noUpstream, pngOfSize, sseClient } from '../helpers/fixtures.ts';
import { expectError, postChat, userMessage } from '../helpers/rest.ts';
import { OTHER_API_KEY, startTestServer, type TestServer } from '../helpers/server.ts';

// biome-ignore lint/suspicious/noExplicitAny: GraphQL JSON in assertions
type Json = any;
const SEND = 'mutation($input: SendChatInput!) { sendChat(input: $input) { conversationId } }';
const code = (r: { errors?: { extensions?: { code?: unknown } }[] }) => r.errors?.[0]?.extensions?.code;

let server: TestServer;
const SAVE_MS = 200;
const CAP = 3000;

beforeAll(async () => {
  server = await startTestServer({
    env: { STORE_PARTIAL_SAVE_MS: String(SAVE_MS), ATTACHMENT_MAX_BYTES_PER_OWNER: String(CAP) },
    gateway: { deltaDelayMs: 1 },
  });
});
afterAll(() => server?.close());
afterEach(() => vi.restoreAllMocks());

describe('store abuse', () => {
  it('a stream of 600 deltas costs one write at start, one at end and a partial save per interval', async () => {
    const partial = vi.spyOn(ConversationStore.prototype, 'savePartial');
    const starts = vi.spyOn(ConversationStore.prototype, 'recordTurnStart');
    const ends = vi.spyOn(ConversationStore.prototype, 'recordRunEnd');
    const started = performance.now();
    const { events } = await collectGql(
      sseClient(server).iterate({
        query: 'subscription($input: SendChatInput!) { chatStream(input: $input) { __typename } }',
        variables: { input: ask('FAKE_DELTAS_600 flood') },
      }),
    );
    const elapsedMs = performance.now() - started;
    await vi.waitFor(() => expect(ends).toHaveBeenCalledTimes(1));
    const deltas = events.filter((e) => e.__typename === 'ChatDelta').length;
    expect(deltas).toBe(600);
    expect(starts).toHaveBeenCalledTimes(1);
    // One per elapsed interval at most (plus one for timer slack), far below one per delta.
    expect(partial.mock.calls.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / SAVE_MS) + 1);
    expect(partial.mock.calls.length).toBeLessThan(deltas / 20);
    if (process.env.STORE_ABUSE_REPORT) console.info({ deltas, partialSaves: partial.mock.calls.length, elapsedMs });
  });

  it('refuses oversized pages and cursors before touching the database', async () => {
    const list = vi.spyOn(ConversationStore.prototype, 'list');
    const query =
      'query($first: Int, $after: String) { conversations(first: $first, after: $after) { edges { cursor } } }';
    const call = (variables: Record<string, unknown>) =>
      gql(server.baseUrl, query, variables, { apiKey: server.apiKey });
    expect(code(await call({ first: 1_000_000 }))).toBe('INVALID_INPUT');
    expect(code(await call({ after: 'A'.repeat(100_000) }))).toBe('INVALID_INPUT');
    expect(code(await call({ after: Buffer.from('["c",1,{"x":1}]').toString('base64url') }))).toBe('INVALID_INPUT');
    expect(list).not.toHaveBeenCalled();
    const id = (await gql<Json>(server.baseUrl, SEND, { input: ask('p') }, { apiKey: server.apiKey })).data.sendChat
      .conversationId;
    const page = (last: string, variables: Record<string, unknown>) =>
      gql(
        server.baseUrl,
        `query($id: ID!${last === '$last' ? ', $last: Int' : ''}) { conversation(id: $id) { messages(last: ${last}) { edges { cursor } } } }`,
        { id, ...variables },
        { apiKey: server.apiKey },
      );
    expect(code(await page('$last', { last: 100_000 }))).toBe('INVALID_INPUT');
    // A literal page size is priced by graphql-armor's cost limit, before any resolver runs.
    const literal = await page('100000', {});
    expect(code(literal)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(literal)).toMatch(/Cost limit/);
  });

  it('refuses a megabyte title without scanning it', async () => {
    const { data } = await gql<Json>(server.baseUrl, SEND, { input: ask('t') }, { apiKey: server.apiKey });
    const title = `${'字 '.repeat(500_000)}`;
    const bounds = await measureBounds(() =>
      gql(
        server.baseUrl,
        'mutation($id: ID!, $t: String!) { renameConversation(id: $id, title: $t) { title } }',
        { id: data.sendChat.conversationId, t: title },
        { apiKey: server.apiKey },
      ),
    );
    expect(code(bounds.value)).toBe('INVALID_INPUT');
    expect(bounds.rssGrowthMiB).toBeLessThan(64);
  });

  it('stops one owner storing more attachment bytes than its cap, before anything goes upstream', async () => {
    const image = (n: number) => ({ image: { data: pngOfSize(n), mimeType: 'image/png' } });
    const first = await gql<Json>(
      server.baseUrl,
      SEND,
      { input: ask('a', { attachments: [image(2000)] }) },
      { apiKey: OTHER_API_KEY },
    );
    expect(first.errors).toBeUndefined();
    const m = marker('over');
    const second = await gql(
      server.baseUrl,
      SEND,
      { input: ask(m, { attachments: [image(2000)] }) },
      { apiKey: OTHER_API_KEY },
    );
    expect(code(second)).toBe('PAYLOAD_TOO_LARGE');
    expect(noUpstream(server.gateway, m)).toBe(true);
    // Deleting the conversation frees the owner's quota.
    await gql(
      server.baseUrl,
      'mutation($id: ID!) { deleteConversation(id: $id) }',
      { id: first.data.sendChat.conversationId },
      { apiKey: OTHER_API_KEY },
    );
    const third = await gql(
      server.baseUrl,
      SEND,
      { input: ask('b', { attachments: [image(2000)] }) },
      { apiKey: OTHER_API_KEY },
    );
    expect(third.errors).toBeUndefined();
  });

  it('holds REST turns recorded under `user` to the same cap, before anything goes upstream', async () => {
    const turn = (content: string, extra: Record<string, unknown> = {}) => ({
      messages: [userMessage(content)],
      attachments: [{ type: 'image', mimeType: 'image/png', data: pngOfSize(2000) }],
      ...extra,
    });
    expect((await postChat(server, turn('r1', { user: 'capped' }))).status).toBe(200);
    await server.app.conversations?.journal.flush();
    for (const stream of [false, true]) {
      const m = marker('rest-over');
      await expectError(await postChat(server, turn(m, { user: 'capped', stream })), 413, 'PAYLOAD_TOO_LARGE');
      expect(noUpstream(server.gateway, m)).toBe(true);
    }
    // Without `user` REST stays stateless: nothing is stored, so no cap applies.
    expect((await postChat(server, turn('r2'))).status).toBe(200);
  });

  it('keeps memory flat under a sustained load of new conversations', async () => {
    const send = (i: number) =>
      gql(server.baseUrl, SEND, { input: ask(`new conversation ${i}`) }, { apiKey: server.apiKey });
    for (let i = 0; i < 50; i++) await send(i); // warm-up
    const bounds = await measureBounds(async () => {
      for (let batch = 0; batch < 30; batch++)
        await Promise.all(Array.from({ length: 10 }, (_, i) => send(batch * 10 + i)));
    }, 50);
    // 300 conversations: what stays in memory is the runs' bounded retention, not the conversations.
    if (process.env.STORE_ABUSE_REPORT)
      console.info({ rssGrowthMiB: bounds.rssGrowthMiB, loopMs: bounds.maxEventLoopDelayMs });
    expect(bounds.rssGrowthMiB).toBeLessThan(64);
  });
});
