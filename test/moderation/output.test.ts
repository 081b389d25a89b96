import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatEvent } from '../../src/contract/chat.ts';
import { openDatabase } from '../../src/store/database.ts';
import { freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { ask, collectGql, type GqlEvent, gql, marker, sseClient } from '../helpers/fixtures.ts';
import { dataPayloads, expectError, postChat, readSse, userMessage } from '../helpers/rest.ts';
import {
  EVENTS,
  latestConversation,
  type ModeratedServer,
  SEND,
  STREAM,
  startModeratedServer,
  trpcClient,
  trpcEvents,
} from './moderated-server.ts';

// The answer is checked in pieces while it streams and once complete; a refused one is withdrawn everywhere.

let m: ModeratedServer;
let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase('sqlite');
  m = await startModeratedServer({ DATABASE_URL: database.url }, { gateway: { deltaDelayMs: 2 } });
});
afterAll(async () => {
  await m.close();
  await database.drop();
});
afterEach(() => {
  m.wechat.knobs.judge = undefined;
});

/** The fake gateway answers `FAKE_DELTAS_100` with " w1 w2 … w100": the user's turn never contains " w60". */
const LONG_ANSWER = 'FAKE_DELTAS_100';
const refuseW60 = (suggest: 'risky' | 'review' = 'risky') => {
  m.wechat.knobs.judge = (content) => (content.includes(' w60 ') ? suggest : undefined);
};

type Stream = { events: GqlEvent[]; runId: string };
async function graphqlStream(text: string): Promise<Stream> {
  const { events, errors } = await collectGql(
    sseClient(m.server, m.auth).iterate({ query: STREAM, variables: { input: { messages: [userMessage(text)] } } }),
  );
  expect(errors).toEqual([]);
  return { events, runId: events[0]!.runId ?? '' };
}

describe('a streamed answer', () => {
  it('pass: checked in pieces of about MODERATION_STREAM_CHARS while it streams, then completes with its label', async () => {
    const before = m.checks().length;
    const { events } = await graphqlStream(`${marker('pass')} ${LONG_ANSWER}`);
    const completed = events.at(-1) as GqlEvent & {
      result: { aiGenerated: boolean; label: string; message: { content: string } };
    };
    expect(completed.__typename).toBe('ChatCompleted');
    expect(completed.result).toMatchObject({ aiGenerated: true, label: '内容由AI生成' });
    const pieces = m
      .checks()
      .slice(before + 1)
      .map((c) => c.content);
    expect(pieces.length).toBeGreaterThan(3);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(2000);
    for (let i = 1; i <= 100; i++)
      expect(
        pieces.some((p) => p.includes(` w${i}`)),
        `w${i}`,
      ).toBe(true);
  });

  it('risky over GraphQL: ChatFailed CONTENT_REJECTED retracted; chatEvents replays no text; stored hidden', async () => {
    refuseW60();
    const { events, runId } = await graphqlStream(`${marker('gql')} ${LONG_ANSWER}`);
    const failed = events.at(-1) as GqlEvent & { retracted: boolean };
    expect(failed).toMatchObject({ __typename: 'ChatFailed', code: 'CONTENT_REJECTED', retracted: true });
    expect(failed.message).not.toContain('w60');
    expect(events.some((e) => e.__typename === 'ChatDelta')).toBe(true);

    const replay = await collectGql(sseClient(m.server, m.auth).iterate({ query: EVENTS, variables: { runId } }));
    expect(replay.events.map((e) => e.__typename)).toEqual(['ChatStarted', 'ChatFailed']);
    expect(replay.events[1]).toMatchObject({ code: 'CONTENT_REJECTED', retracted: true });

    const { messages } = await latestConversation(m.server, m.auth);
    expect(messages.at(-1)).toMatchObject({
      role: 'assistant',
      status: 'hidden',
      content: '',
      errorCode: 'CONTENT_REJECTED',
    });
  });

  it('risky over REST: the error chunk says retracted, then [DONE]', async () => {
    refuseW60();
    const response = await postChat(
      m.server,
      { messages: [userMessage(`${marker('rest')} ${LONG_ANSWER}`)], stream: true },
      m.rest,
    );
    expect(response.status).toBe(200);
    const payloads = dataPayloads((await readSse(response)).frames);
    expect(payloads.at(-1)).toBe('[DONE]');
    expect(payloads.at(-2)).toMatchObject({ error: { code: 'CONTENT_REJECTED' }, retracted: true });
    expect(payloads.some((p) => p?.choices?.[0]?.delta?.content)).toBe(true);
  });

  it('risky over tRPC: chat.events ends with the retracted failure, and replays it without the text', async () => {
    refuseW60();
    const trpc = trpcClient(m.server, m.auth);
    const { runId } = await trpc.chat.start.mutate(ask(`${marker('trpc')} ${LONG_ANSWER}`));
    const live = await trpcEvents(trpc, runId);
    expect(live.at(-1)).toMatchObject({ type: 'failed', code: 'CONTENT_REJECTED', retracted: true });
    const replayed = await trpcEvents(trpc, runId);
    expect(replayed.map((e) => e.type)).toEqual(['started', 'failed']);
  });

  it('review is allowed by default and completes', async () => {
    refuseW60('review');
    const { events } = await graphqlStream(`${marker('review')} ${LONG_ANSWER}`);
    expect(events.at(-1)?.__typename).toBe('ChatCompleted');
  });

  it('after a restart the hidden answer replays from the store without its text', async () => {
    refuseW60();
    const { runId } = await graphqlStream(`${marker('restart')} ${LONG_ANSWER}`);
    // The store's writes trail the answer (group commit): the second server must find them committed, as it would
    // after the first one's shutdown flushed them. Two live servers on one SQLite file is only this test's shortcut.
    const stored = await openDatabase({ url: database.url });
    try {
      await expect
        .poll(async () => {
          const row = await stored.db
            .selectFrom('messages')
            .select('status')
            .where('run_id', '=', runId)
            .executeTakeFirst();
          return row?.status;
        })
        .toBe('hidden');
    } finally {
      await stored.close();
    }
    const second = await startModeratedServer({ DATABASE_URL: database.url }, { wechat: m.wechat });
    try {
      const replay = await collectGql(
        sseClient(second.server, second.auth).iterate({ query: EVENTS, variables: { runId } }),
      );
      expect(replay.events.map((e) => e.__typename)).toEqual(['ChatStarted', 'ChatFailed']);
      expect(replay.events[1]).toMatchObject({ code: 'CONTENT_REJECTED', retracted: true });
    } finally {
      await second.close();
    }
  });
});

describe('a non-streamed answer', () => {
  it('is checked whole before it is returned: risky over GraphQL is CONTENT_REJECTED, stored hidden', async () => {
    refuseW60();
    const response = await gql(
      m.server.baseUrl,
      SEND,
      { input: { messages: [userMessage(`${marker('send')} ${LONG_ANSWER}`)] } },
      { headers: m.auth },
    );
    expect(response.errors?.[0]?.extensions?.code).toBe('CONTENT_REJECTED');
    expect(JSON.stringify(response)).not.toContain('w60');
    const { messages } = await latestConversation(m.server, m.auth);
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', status: 'hidden', content: '' });
  });

  it('risky over REST: 400 CONTENT_REJECTED', async () => {
    refuseW60();
    const response = await postChat(m.server, { messages: [userMessage(`${marker('rest')} ${LONG_ANSWER}`)] }, m.rest);
    await expectError(response, 400, 'CONTENT_REJECTED');
  });

  it('pass: one check for the whole answer, which carries its label over REST', async () => {
    const text = marker('label');
    const before = m.checks().length;
    const response = await postChat(m.server, { messages: [userMessage(text)] }, m.rest);
    const body = await response.json();
    expect(body).toMatchObject({ aiGenerated: true, label: '内容由AI生成' });
    expect(m.checks().length - before).toBe(2);
  });
});

describe('an answer that ends before its check', () => {
  it('cancelled while a refusing check is in flight: hidden in the store, not replayed', async () => {
    m.wechat.knobs.judge = (content) => (content.includes(' w5 ') ? 'risky' : undefined);
    m.wechat.knobs.checkDelayMs = 800;
    try {
      const trpc = trpcClient(m.server, m.auth);
      const { runId } = await trpc.chat.start.mutate(ask(`${marker('cancel')} FAKE_DELTAS_400`));
      const seen = await new Promise<ChatEvent[]>((resolve, reject) => {
        const events: ChatEvent[] = [];
        const subscription = trpc.chat.events.subscribe(
          { runId },
          {
            onData: ({ data }) => {
              events.push(data);
              if (data.type === 'delta' && data.text === ' w20') {
                subscription.unsubscribe();
                resolve(events);
              }
            },
            onError: reject,
          },
        );
      });
      expect(seen.some((e) => e.type === 'delta' && e.text === ' w5')).toBe(true);
      expect(await trpc.chat.cancel.mutate({ runId })).toEqual({ cancelled: true });
      await vi.waitFor(
        async () => {
          const { messages } = await latestConversation(m.server, m.auth);
          expect(messages.at(-1)).toMatchObject({ role: 'assistant', status: 'hidden', content: '' });
        },
        { timeout: 5_000, interval: 50 },
      );
      const replayed = await trpcEvents(trpc, runId);
      expect(replayed.map((e) => e.type)).toEqual(['started', 'failed']);
      expect(replayed[1]).toMatchObject({ code: 'CANCELLED', retracted: true });
    } finally {
      m.wechat.knobs.checkDelayMs = 0;
    }
  });
});
