import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { engineTitle, freshDatabase, TEST_ENGINES } from '../helpers/databases.ts';
import { collectGql, type GqlEvent, marker, noUpstream, sseClient, upstreamFor } from '../helpers/fixtures.ts';
import { expectError, postChat, userMessage } from '../helpers/rest.ts';
import { type ModeratedServer, STREAM, startModeratedServer } from './moderated-server.ts';

// The access token's life, and WeChat's API failing under each MODERATION_FAIL mode.

const tokenFetches = (m: ModeratedServer) => m.wechat.calls('/cgi-bin/stable_token').length;
const send = (m: ModeratedServer, text: string, stream = false) =>
  postChat(m.server, { messages: [userMessage(text)], stream });

/** " w1 … w20" from the fake gateway: an answer whose checks can be scripted apart from the user's turn. */
const ANSWER = 'FAKE_DELTAS_20';
const answerOnly = (m: ModeratedServer, judgement: 'down' | 'hang') => {
  m.wechat.knobs.judge = (content) => (content.includes(' w3') ? judgement : undefined);
};

async function stream(m: ModeratedServer, text: string): Promise<GqlEvent[]> {
  const input = { messages: [userMessage(text)] };
  const { events, errors } = await collectGql(sseClient(m.server).iterate({ query: STREAM, variables: { input } }));
  expect(errors).toEqual([]);
  return events;
}

describe('the access token', () => {
  let m: ModeratedServer;
  beforeAll(async () => {
    m = await startModeratedServer();
  });
  afterAll(() => m.close());

  it('is fetched once and reused across turns', async () => {
    for (let i = 0; i < 3; i++) expect((await send(m, marker('cached'))).status).toBe(200);
    expect(tokenFetches(m)).toBe(1);
  });

  it.each([
    ['40001 (revoked elsewhere)', 'revokeTokens'],
    ['42001 (expired)', 'expireTokens'],
  ] as const)('rejected with %s: invalidated, fetched again, the check retried once', async (_label, knob) => {
    const fetches = tokenFetches(m);
    const checks = m.checks().length;
    m.wechat[knob]();
    expect((await send(m, marker('retry'))).status).toBe(200);
    expect(tokenFetches(m)).toBe(fetches + 1);
    // The input check twice (rejected token, then the new one), the answer once.
    expect(m.checks().length - checks).toBe(3);
    const calls = m.wechat.calls('/cgi-bin/stable_token');
    expect(calls.every((call) => call.body.force_refresh === false)).toBe(true);
  });
});

describe.each(TEST_ENGINES)('the token shared through the store: $name', (engine) => {
  it.skipIf(engine.skipReason !== undefined)(`${engineTitle(engine)}: a second instance fetches none`, async () => {
    const database = await freshDatabase(engine.name);
    const first = await startModeratedServer({ DATABASE_URL: database.url });
    const second = await startModeratedServer({ DATABASE_URL: database.url }, { wechat: first.wechat });
    try {
      expect((await send(first, marker('one'))).status).toBe(200);
      expect((await send(second, marker('two'))).status).toBe(200);
      expect(tokenFetches(first)).toBe(1);
      const tokens = first.wechat.calls('/wxa/msg_sec_check').map((call) => call.query.access_token);
      expect(new Set(tokens).size).toBe(1);
    } finally {
      await second.close();
      await first.close();
      await database.drop();
    }
  });
});

describe('WeChat down, default fail modes (closed for the user turn, open for the answer)', () => {
  let m: ModeratedServer;
  beforeAll(async () => {
    m = await startModeratedServer();
  });
  afterAll(() => m.close());
  afterEach(() => {
    Object.assign(m.wechat.knobs, { checkErrcode: undefined, tokenErrcode: undefined, judge: undefined });
  });

  it.each([
    ['msg_sec_check answers -1', () => Object.assign(m.wechat.knobs, { checkErrcode: -1 })],
    [
      'no token can be had',
      () => {
        m.wechat.knobs.tokenErrcode = -1;
        m.wechat.revokeTokens();
      },
    ],
  ])('%s: the turn is refused with 503 UPSTREAM_UNAVAILABLE and nothing goes upstream', async (_label, breakIt) => {
    breakIt();
    const text = marker('down');
    await expectError(await send(m, text), 503, 'UPSTREAM_UNAVAILABLE');
    expect(noUpstream(m.server.gateway, text)).toBe(true);
  });

  it('the answer cannot be checked: it is delivered, streamed or not', async () => {
    answerOnly(m, 'down');
    const body = await (await send(m, `${marker('open')} ${ANSWER}`)).json();
    expect(body.choices[0].message.content).toContain(' w20');
    const events = await stream(m, `${marker('open')} ${ANSWER}`);
    expect(events.at(-1)?.__typename).toBe('ChatCompleted');
  });
});

describe('MODERATION_FAIL=closed', () => {
  let m: ModeratedServer;
  beforeAll(async () => {
    m = await startModeratedServer({ MODERATION_FAIL: 'closed' });
  });
  afterAll(() => m.close());

  it('an answer that cannot be checked is withheld: streamed, it is retracted', async () => {
    answerOnly(m, 'down');
    const events = await stream(m, `${marker('closed')} ${ANSWER}`);
    expect(events.at(-1)).toMatchObject({ __typename: 'ChatFailed', code: 'UPSTREAM_UNAVAILABLE', retracted: true });
    await expectError(await send(m, `${marker('closed')} ${ANSWER}`), 503, 'UPSTREAM_UNAVAILABLE');
  });
});

describe('MODERATION_FAIL=open', () => {
  let m: ModeratedServer;
  beforeAll(async () => {
    m = await startModeratedServer({ MODERATION_FAIL: 'open', WECHAT_TIMEOUT_MS: '300' });
  });
  afterAll(() => m.close());
  afterEach(() => {
    Object.assign(m.wechat.knobs, { checkErrcode: undefined, judge: undefined });
  });

  it('a user turn that cannot be checked goes through', async () => {
    m.wechat.knobs.checkErrcode = -1;
    const text = marker('open');
    expect((await send(m, text)).status).toBe(200);
    await upstreamFor(m.server.gateway, text);
  });

  it('a WeChat that does not answer in WECHAT_TIMEOUT_MS counts as down', async () => {
    m.wechat.knobs.judge = () => 'hang';
    const text = marker('slow');
    expect((await send(m, text)).status).toBe(200);
    await upstreamFor(m.server.gateway, text);
  });
});
