import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { engineTitle, freshDatabase, TEST_ENGINES, type TestDatabase } from '../helpers/databases.ts';
import {
  ask,
  CHAT_EVENTS,
  collectGql,
  type GqlResponse,
  gql,
  marker,
  sseClient,
  TINY_PNG_BASE64,
  upstreamFor,
} from '../helpers/fixtures.ts';
import { OTHER_API_KEY, startTestServer, type TestServer } from '../helpers/server.ts';

const RESULT = 'runId conversationId message { content } attachments { __typename }';
const SEND = `mutation($input: SendChatInput!) { sendChat(input: $input) { ${RESULT} } }`;
const LIST = `query($first: Int, $after: String) {
  conversations(first: $first, after: $after) {
    edges { cursor node { id title createdAt updatedAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } }`;
const READ = `query($id: ID!, $last: Int, $before: String) { conversation(id: $id) { id title
  messages(last: $last, before: $before) {
    edges { cursor node { id role content status runId errorCode finishReason createdAt
      attachments { __typename ... on ImageAttachment { url mimeType size } ... on FileAttachment { url name mimeType size } } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;
const RENAME = 'mutation($id: ID!, $title: String!) { renameConversation(id: $id, title: $title) { id title } }';
const DELETE = 'mutation($id: ID!) { deleteConversation(id: $id) }';

type Result = { runId: string; conversationId: string; message: { content: string } };
// biome-ignore lint/suspicious/noExplicitAny: GraphQL JSON in assertions
type Json = any;

const code = (response: GqlResponse) => response.errors?.[0]?.extensions?.code;

for (const engine of TEST_ENGINES) {
  describe.skipIf(engine.skipReason !== undefined)(`conversations on ${engineTitle(engine)}`, () => {
    let database: TestDatabase;
    let server: TestServer;
    const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: database.url, ...extra });
    const call = (query: string, variables: Record<string, unknown>, apiKey = server.apiKey) =>
      gql<Json>(server.baseUrl, query, variables, { apiKey });

    beforeAll(async () => {
      database = await freshDatabase(engine.name);
      server = await startTestServer({ env: env() });
    });
    afterAll(async () => {
      await server?.close();
      await database?.drop();
    });

    it('lives a conversation: create, continue (only the new turn, same session), list, read, rename, delete', async () => {
      const first = marker('first');
      const created = await call(SEND, {
        input: ask(`  ${first}   hello\n world`, {
          attachments: [{ image: { data: TINY_PNG_BASE64, mimeType: 'image/png' } }],
        }),
      });
      const one: Result = created.data.sendChat;
      expect(one.conversationId).toMatch(/^c_/);
      const firstUpstream = await upstreamFor(server.gateway, first);
      const session = firstUpstream.headers['x-openclaw-session-key'];
      expect(session).toMatch(/^minipro-/);

      const second = marker('second');
      const continued = await call(SEND, { input: ask(second, { conversationId: one.conversationId }) });
      expect(continued.data.sendChat.conversationId).toBe(one.conversationId);
      const secondUpstream = await upstreamFor(server.gateway, second);
      expect(secondUpstream.headers['x-openclaw-session-key']).toBe(session);
      expect(JSON.stringify(secondUpstream.body)).not.toContain(first);

      const list = await call(LIST, { first: 10 });
      const node = list.data.conversations.edges.find((e: Json) => e.node.id === one.conversationId).node;
      expect(node.title).toBe(`${first} hello world`.slice(0, 30));
      expect(node.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      const read = await call(READ, { id: one.conversationId, last: 10 });
      const messages = read.data.conversation.messages.edges.map((e: Json) => e.node);
      expect(messages.map((m: Json) => [m.role, m.status])).toEqual([
        ['user', null],
        ['assistant', 'completed'],
        ['user', null],
        ['assistant', 'completed'],
      ]);
      expect(messages[1].runId).toBe(one.runId);
      expect(messages[1].content).toBe(one.message.content);
      const image = messages[0].attachments[0];
      expect(image).toMatchObject({ __typename: 'ImageAttachment', mimeType: 'image/png' });
      const bytes = Buffer.from(await (await fetch(`${server.baseUrl}${image.url}`)).arrayBuffer());
      expect(bytes.toString('base64')).toBe(TINY_PNG_BASE64);
      expect(image.size).toBe(bytes.length);

      const older = await call(READ, { id: one.conversationId, last: 2 });
      const page = older.data.conversation.messages;
      expect(page.pageInfo.hasPreviousPage).toBe(true);
      const before = await call(READ, { id: one.conversationId, last: 10, before: page.pageInfo.startCursor });
      expect(before.data.conversation.messages.edges.map((e: Json) => e.node.id)).toEqual(
        messages.slice(0, 2).map((m: Json) => m.id),
      );

      const renamed = await call(RENAME, { id: one.conversationId, title: '  My   chat ' });
      expect(renamed.data.renameConversation.title).toBe('My chat');

      expect((await call(DELETE, { id: one.conversationId })).data.deleteConversation).toBe(true);
      expect((await call(READ, { id: one.conversationId })).data.conversation).toBeNull();
      expect(code(await call(SEND, { input: ask('again', { conversationId: one.conversationId }) }))).toBe('NOT_FOUND');
      expect((await fetch(`${server.baseUrl}${image.url}`)).status).toBe(404);
      const fresh: Result = (await call(SEND, { input: ask(marker('new')) })).data.sendChat;
      const freshUpstream = server.gateway.requests.at(-1)!;
      expect(fresh.conversationId).not.toBe(one.conversationId);
      expect(freshUpstream.headers['x-openclaw-session-key']).not.toBe(session);
    });

    it('reads and continues turns whose writes still wait for their group commit', async () => {
      // A window no test waits out: only the reads' own wait for the queued writes can make them visible.
      const slow = await startTestServer({ env: env({ STORE_COMMIT_WINDOW_MS: '1000' }) });
      const slowCall = (query: string, variables: Record<string, unknown>) =>
        gql<Json>(slow.baseUrl, query, variables, { apiKey: slow.apiKey });
      try {
        const one: Result = (await slowCall(SEND, { input: ask(marker('queued-1')) })).data.sendChat;
        const two = await slowCall(SEND, { input: ask(marker('queued-2'), { conversationId: one.conversationId }) });
        expect(two.errors).toBeUndefined();
        expect(two.data.sendChat.conversationId).toBe(one.conversationId);

        const read = await slowCall(READ, { id: one.conversationId, last: 10 });
        expect(read.data.conversation.messages.edges.map((e: Json) => [e.node.role, e.node.status])).toEqual([
          ['user', null],
          ['assistant', 'completed'],
          ['user', null],
          ['assistant', 'completed'],
        ]);
        const list = await slowCall(LIST, { first: 10 });
        expect(list.data.conversations.edges[0].node.id).toBe(one.conversationId);
      } finally {
        await slow.close();
      }
    });

    it('pages conversations newest first with stable cursors', async () => {
      const apiKey = OTHER_API_KEY;
      const ids: string[] = [];
      for (let i = 0; i < 3; i++)
        ids.push((await call(SEND, { input: ask(`page ${i}`) }, apiKey)).data.sendChat.conversationId);
      const first = (await call(LIST, { first: 2 }, apiKey)).data.conversations;
      expect(first.edges.map((e: Json) => e.node.id)).toEqual([ids[2], ids[1]]);
      expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      await call(SEND, { input: ask('arrives between pages') }, apiKey);
      const next = (await call(LIST, { first: 2, after: first.pageInfo.endCursor }, apiKey)).data.conversations;
      expect(next.edges[0].node.id).toBe(ids[0]);
      expect(code(await call(LIST, { after: 'not-a-cursor' }, apiKey))).toBe('INVALID_INPUT');
      expect(code(await call(LIST, { first: 1000 }, apiKey))).toBe('INVALID_INPUT');
      await Promise.all(
        (await call(LIST, { first: 100 }, apiKey)).data.conversations.edges.map((e: Json) =>
          call(DELETE, { id: e.node.id }, apiKey),
        ),
      );
    });

    it('isolates principals: every operation on a foreign conversation, run or attachment is NOT_FOUND', async () => {
      const mine: Result = (
        await call(SEND, {
          input: ask('secret', { attachments: [{ image: { data: TINY_PNG_BASE64, mimeType: 'image/png' } }] }),
        })
      ).data.sendChat;
      const other = (query: string, variables: Record<string, unknown>) => call(query, variables, OTHER_API_KEY);
      expect((await other(READ, { id: mine.conversationId })).data.conversation).toBeNull();
      expect(code(await other(RENAME, { id: mine.conversationId, title: 'x' }))).toBe('NOT_FOUND');
      expect(code(await other(DELETE, { id: mine.conversationId }))).toBe('NOT_FOUND');
      expect(code(await other(SEND, { input: ask('hi', { conversationId: mine.conversationId }) }))).toBe('NOT_FOUND');
      const { errors } = await collectGql(
        sseClient(server, OTHER_API_KEY).iterate({ query: CHAT_EVENTS, variables: { runId: mine.runId } }),
      );
      expect(errors[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await other(LIST, {})).data.conversations.edges.map((e: Json) => e.node.id)).not.toContain(
        mine.conversationId,
      );
      const url: string = (await call(READ, { id: mine.conversationId })).data.conversation.messages.edges[0].node
        .attachments[0].url;
      const forged = url.replace(/s=([^&]+)/, (_m, sig: string) => `s=${sig.slice(0, -2)}AA`);
      expect((await fetch(`${server.baseUrl}${forged}`)).status).toBe(404);
      expect((await fetch(`${server.baseUrl}${url.replace(/e=\d+/, 'e=9999999999')}`)).status).toBe(404);
      expect((await call(READ, { id: mine.conversationId })).data.conversation.title).toBe('secret');
    });

    it('streams with conversationId on ChatStarted and ChatCompleted', async () => {
      const { events } = await collectGql(
        sseClient(server).iterate({
          query: `subscription($input: SendChatInput!) { chatStream(input: $input) { __typename
            ... on ChatStarted { runId eventId conversationId } ... on ChatDelta { eventId }
            ... on ChatCompleted { eventId conversationId result { conversationId } } } }`,
          variables: { input: ask('stream me') },
        }),
      );
      const started = events[0] as Json;
      const completed = events.at(-1) as Json;
      expect(started.conversationId).toMatch(/^c_/);
      expect(completed.conversationId).toBe(started.conversationId);
      expect(completed.result.conversationId).toBe(started.conversationId);
    });

    it('records REST turns that carry `user` in one conversation, and keeps REST stateless without it', async () => {
      const apiKey = OTHER_API_KEY;
      const before = (await call(LIST, { first: 100 }, apiKey)).data.conversations.edges.length;
      const post = (body: Record<string, unknown>) =>
        fetch(`${server.baseUrl}/api/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
          body: JSON.stringify(body),
        }).then((r) => r.text());
      await post({ messages: [{ role: 'user', content: 'stateless' }] });
      await post({ user: 'oAbC-openid', messages: [{ role: 'user', content: 'legacy one' }] });
      await post({ user: 'oAbC-openid', messages: [{ role: 'user', content: 'legacy two' }], stream: true });
      await vi.waitFor(async () => {
        const edges = (await call(LIST, { first: 100 }, apiKey)).data.conversations.edges;
        expect(edges.length).toBe(before + 1);
        const read = await call(READ, { id: edges[0].node.id }, apiKey);
        const nodes = read.data.conversation.messages.edges.map((e: Json) => e.node);
        expect(nodes.map((m: Json) => m.status)).toEqual([null, 'completed', null, 'completed']);
        expect(nodes[2].content).toBe('legacy two');
      });
    });

    it('a graceful shutdown mid-run stores the answer as interrupted with the text it had', async () => {
      const file = { DATABASE_URL: database.url, STORE_PARTIAL_SAVE_MS: '60000' };
      const first = await startTestServer({ env: file, gateway: { deltaDelayMs: 20 } });
      let second: TestServer | undefined;
      try {
        const stream = sseClient(first).iterate({
          query: `subscription($input: SendChatInput!) { chatStream(input: $input) { __typename
            ... on ChatStarted { runId conversationId } ... on ChatFailed { code } } }`,
          variables: { input: ask('FAKE_DELTAS_500 stop me') },
        });
        const { conversationId } = ((await stream.next()).value as Json).data.chatStream;
        await stream.next(); // a delta: some text exists, though no periodic save has run
        await first.close();
        second = await startTestServer({ env: file });
        const read = await gql<Json>(second.baseUrl, READ, { id: conversationId }, { apiKey: second.apiKey });
        const answer = read.data.conversation.messages.edges.at(-1).node;
        expect(answer).toMatchObject({ status: 'interrupted', errorCode: 'UPSTREAM_UNAVAILABLE' });
        expect(answer.content.length).toBeGreaterThan(0);
        await stream.return?.(undefined);
      } finally {
        await second?.close();
      }
    });

    it('keeps a run across a restart: running becomes interrupted with its partial text; finished runs replay', async () => {
      const file = { DATABASE_URL: database.url, STORE_PARTIAL_SAVE_MS: '100' };
      const first = await startTestServer({ env: file, gateway: { deltaDelayMs: 50 } });
      let second: TestServer | undefined;
      try {
        const done: Result = (
          await gql<Json>(first.baseUrl, SEND, { input: ask('finish me') }, { apiKey: first.apiKey })
        ).data.sendChat;
        const stream = sseClient(first).iterate({
          query:
            'subscription($input: SendChatInput!) { chatStream(input: $input) { __typename ... on ChatStarted { runId conversationId } } }',
          variables: { input: ask('FAKE_DELTAS_200 cut me off') },
        });
        const started = (await stream.next()).value as Json;
        const { runId, conversationId } = started.data.chatStream;
        const readOn = (target: TestServer) =>
          gql<Json>(target.baseUrl, READ, { id: conversationId }, { apiKey: target.apiKey }).then(
            (r) => r.data.conversation.messages.edges.at(-1).node,
          );
        const partial = await vi.waitFor(
          async () => {
            const answer = await readOn(first);
            expect(answer.status).toBe('running');
            expect(answer.content.length).toBeGreaterThan(0);
            return answer.content as string;
          },
          { timeout: 5_000 },
        );
        // A second process on the same database while the first is "dead": its boot recovers the running answer.
        second = await startTestServer({ env: file });
        const answer = await readOn(second);
        expect(answer).toMatchObject({ status: 'interrupted', errorCode: 'UPSTREAM_UNAVAILABLE', runId });
        expect(answer.content.startsWith(partial)).toBe(true);

        const replay = await collectGql(
          sseClient(second).iterate({ query: CHAT_EVENTS, variables: { runId: done.runId } }),
        );
        expect(replay.events.map((e) => e.__typename)).toEqual(['ChatStarted', 'ChatCompleted']);
        expect(replay.events[1]!.result?.message.content).toBe(done.message.content);
        const interrupted = await collectGql(sseClient(second).iterate({ query: CHAT_EVENTS, variables: { runId } }));
        expect(interrupted.events.at(-1)).toMatchObject({ __typename: 'ChatFailed', code: 'UPSTREAM_UNAVAILABLE' });
        await stream.return?.(undefined);
      } finally {
        await first.close();
        await second?.close();
      }
    });
  });
}
