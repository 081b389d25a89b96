import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import {
  ask,
  CANCEL_CHAT,
  gql,
  lastUserItem,
  marker,
  noUpstream,
  SEND_CHAT,
  TEXT_FILE_BASE64,
  TINY_PDF_BASE64,
  TINY_PNG_BASE64,
  upstreamFor,
  wsClient,
} from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// GraphQL queries and mutations over plain HTTP POST, through the real server and the fake gateway.

interface SendChatData {
  sendChat: {
    runId: string;
    model: string;
    message: { role: string; content: string };
    finishReason: string | null;
    usage: { inputTokens: number; outputTokens: number; totalTokens: number } | null;
    attachments: Array<{ __typename: string; url: string }>;
  };
}

let server: TestServer;
const send = (input: Record<string, unknown>) =>
  gql<SendChatData>(server.baseUrl, SEND_CHAT, { input }, { apiKey: server.apiKey });

beforeAll(async () => {
  server = await startTestServer({ env: { MAX_IMAGES: '5', MAX_FILES: '3', MAX_FILE_BYTES: '2000000' } });
});
afterAll(() => server.close());

describe('GraphQL over HTTP: limits', () => {
  it('the limits query returns the configured limits', async () => {
    const response = await gql(
      server.baseUrl,
      '{ limits { maxImageBytes maxFileBytes maxImages maxFiles imageMimeTypes fileMimeTypes } }',
      {},
      { apiKey: server.apiKey },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      limits: {
        maxImageBytes: 10 * 1024 * 1024,
        maxFileBytes: 2_000_000,
        maxImages: 5,
        maxFiles: 3,
        imageMimeTypes: ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/heic', 'image/heif'],
        fileMimeTypes: ['text/plain', 'text/markdown', 'text/html', 'text/csv', 'application/json', 'application/pdf'],
      },
    });
  });
});

describe('GraphQL over HTTP: sendChat', () => {
  it('sends text to chat completions and returns the whole ChatResult', async () => {
    const m = marker('text');
    const response = await send(ask(`hello ${m}`));
    expect(response.errors).toBeUndefined();
    const result = response.data!.sendChat;
    expect(result.message.role).toBe('assistant');
    expect(result.message.content).toContain(`ECHO: hello ${m}`);
    expect(result.message.content).toContain('images=0 files=0');
    expect(result.model).toBe('openclaw');
    expect(result.runId).toMatch(/^[\w-]{10,}$/);
    expect(result.finishReason).toBe('stop');
    expect(result.usage?.totalTokens).toBeGreaterThan(0);
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.path).toBe('/v1/chat/completions');
    expect(upstream.headers.authorization).toBe('Bearer fake-token');
    expect(upstream.body.stream).toBe(false);
  });

  it('sends a PNG image as an input_image part of the last user message on /v1/responses', async () => {
    const m = marker('img');
    const response = await send(
      ask(`what is this ${m}`, { attachments: [{ image: { data: TINY_PNG_BASE64, mimeType: 'image/png' } }] }),
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.sendChat.message.content).toContain('images=1 files=0');
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.path).toBe('/v1/responses');
    const item = lastUserItem(upstream.body);
    expect(item.content).toEqual([
      { type: 'input_text', text: `what is this ${m}` },
      { type: 'input_image', source: { type: 'base64', media_type: 'image/png', data: TINY_PNG_BASE64 } },
    ]);
  });

  it('sends a text file (MIME inferred from the name) as an input_file part with its filename', async () => {
    const m = marker('txt');
    const response = await send(
      ask(`summarise ${m}`, { attachments: [{ file: { name: 'notes.txt', data: TEXT_FILE_BASE64 } }] }),
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.sendChat.message.content).toContain('images=0 files=1');
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.path).toBe('/v1/responses');
    expect(lastUserItem(upstream.body).content[1]).toEqual({
      type: 'input_file',
      source: { type: 'base64', media_type: 'text/plain', data: TEXT_FILE_BASE64, filename: 'notes.txt' },
    });
  });

  it('sends a PDF as an input_file part', async () => {
    expect(Buffer.from(TINY_PDF_BASE64, 'base64').subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const m = marker('pdf');
    const response = await send(
      ask(`read ${m}`, {
        attachments: [{ file: { name: 'report.pdf', data: TINY_PDF_BASE64, mimeType: 'application/pdf' } }],
      }),
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.sendChat.message.content).toContain('files=1');
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.path).toBe('/v1/responses');
    expect(lastUserItem(upstream.body).content).toContainEqual({
      type: 'input_file',
      source: { type: 'base64', media_type: 'application/pdf', data: TINY_PDF_BASE64, filename: 'report.pdf' },
    });
  });

  it('with `user`: sends the session key header and only the new turn', async () => {
    const m = marker('sess');
    const messages = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: `second question ${m}` },
    ];
    const response = await send({ messages, user: 'openid-AbC' });
    expect(response.errors).toBeUndefined();
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.headers['x-openclaw-session-key']).toMatch(/^minipro-[0-9a-f]{40}$/);
    expect(upstream.body.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: `second question ${m}` },
    ]);
  });

  it('without `user` or `conversationId`: a new conversation with its own new session, the whole history sent', async () => {
    const m = marker('nosess');
    const messages = [
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: `second question ${m}` },
    ];
    const response = await send({ messages });
    expect(response.errors).toBeUndefined();
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.headers['x-openclaw-session-key']).toMatch(/^minipro-/);
    expect(upstream.body.messages).toHaveLength(3);
    const again = await send({ messages: [{ role: 'user', content: `${m} again` }] });
    expect(again.errors).toBeUndefined();
    const next = server.gateway.requests.at(-1)!;
    expect(next.headers['x-openclaw-session-key']).not.toBe(upstream.headers['x-openclaw-session-key']);
  });

  it('the same `user` under two API keys gets two different sessions', async () => {
    const m1 = marker('k1');
    const m2 = marker('k2');
    await send({ messages: [{ role: 'user', content: m1 }], user: 'shared-user' });
    await gql(
      server.baseUrl,
      SEND_CHAT,
      { input: { messages: [{ role: 'user', content: m2 }], user: 'shared-user' } },
      { apiKey: 'other-key-0123456789abcdef' },
    );
    const [a, b] = [await upstreamFor(server.gateway, m1), await upstreamFor(server.gateway, m2)];
    expect(a.headers['x-openclaw-session-key']).toBeTruthy();
    expect(a.headers['x-openclaw-session-key']).not.toBe(b.headers['x-openclaw-session-key']);
  });

  it('cancelChat on a finished run returns false', async () => {
    const response = await send(ask(marker('done')));
    const runId = response.data!.sendChat.runId;
    const cancel = await gql(server.baseUrl, CANCEL_CHAT, { runId }, { apiKey: server.apiKey });
    expect(cancel.errors).toBeUndefined();
    expect(cancel.data).toEqual({ cancelChat: false });
  });
});

describe('GraphQL over HTTP: the @oneOf AttachmentInput', () => {
  it.each([
    [
      'both image and file',
      { image: { data: TINY_PNG_BASE64, mimeType: 'image/png' }, file: { name: 'a.txt', data: TEXT_FILE_BASE64 } },
    ],
    ['neither', {}],
  ])('%s is a clear GraphQL error and nothing goes upstream', async (_label, attachment) => {
    const m = marker('oneof');
    const response = await send(ask(m, { attachments: [attachment] }));
    expect(response.data ?? null).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.message).toMatch(/exactly one key/i);
    expect(response.errors![0]!.message).toMatch(/oneOf/i);
    expect(response.errors![0]!.extensions?.code).toBe('INVALID_INPUT');
    expect(noUpstream(server.gateway, m)).toBe(true);
  });

  it('the same rule applies to an inline (literal) argument', async () => {
    const m = marker('oneofinline');
    const query = `mutation { sendChat(input: { messages: [{ role: user, content: "${m}" }], attachments: [{ image: { data: "${TINY_PNG_BASE64}", mimeType: "image/png" }, file: { name: "a.txt", data: "${TEXT_FILE_BASE64}" } }] }) { runId } }`;
    const response = await gql(server.baseUrl, query, {}, { apiKey: server.apiKey });
    expect(response.errors?.[0]?.message).toMatch(/exactly one key/i);
    expect(response.data ?? null).toBeNull();
    expect(noUpstream(server.gateway, m)).toBe(true);
  });
});

describe('GraphQL over HTTP: graphql-armor limits', () => {
  const input = (m: string) => `input: { messages: [{ role: user, content: "${m}" }] }`;

  function expectRefused(response: Awaited<ReturnType<typeof gql>>, pattern: RegExp) {
    expect(response.data ?? null).toBeNull();
    expect(response.errors?.length).toBeGreaterThan(0);
    expect(response.errors![0]!.message).toMatch(pattern);
  }

  it('refuses a query deeper than 12 (fragments count as levels), with no upstream call', async () => {
    const m = marker('deep');
    const nested = (n: number): string => (n === 0 ? 'runId' : `... on ChatResult { ${nested(n - 1)} }`);
    const query = `mutation { sendChat(${input(m)}) { ${nested(13)} } }`;
    const response = await gql(server.baseUrl, query, {}, { apiKey: server.apiKey });
    expectRefused(response, /depth limit of 12 exceeded/i);
    expect(noUpstream(server.gateway, m)).toBe(true);
  });

  it('accepts the same shape at depth 12', async () => {
    const nested = (n: number): string => (n === 0 ? 'maxImages' : `... on Limits { ${nested(n - 1)} }`);
    const response = await gql(server.baseUrl, `{ limits { ${nested(10)} } }`, {}, { apiKey: server.apiKey });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ limits: { maxImages: 5 } });
  });

  it('refuses a query costing more than 2000, with no upstream call', async () => {
    const m = marker('cost');
    const spreads = Array.from({ length: 120 }, () => '...R').join(' ');
    const query = `mutation { sendChat(${input(m)}) { ${spreads} } }
      fragment R on ChatResult { runId model finishReason message { role content } usage { inputTokens outputTokens totalTokens } }`;
    const response = await gql(server.baseUrl, query, {}, { apiKey: server.apiKey });
    expectRefused(response, /cost limit of 2000 exceeded/i);
    expect(noUpstream(server.gateway, m)).toBe(true);
  });

  it('refuses more than 10 aliases, with no upstream call', async () => {
    const m = marker('alias');
    const fields = Array.from({ length: 11 }, (_, i) => `a${i}: sendChat(${input(m)}) { runId }`).join(' ');
    const response = await gql(server.baseUrl, `mutation { ${fields} }`, {}, { apiKey: server.apiKey });
    expectRefused(response, /aliases limit of 10 exceeded/i);
    expect(noUpstream(server.gateway, m)).toBe(true);
  });

  it('refuses more than 2000 tokens, with no upstream call', async () => {
    const m = marker('tokens');
    const padding = Array.from({ length: 1100 }, () => 'runId model').join(' ');
    const query = `mutation { sendChat(${input(m)}) { ${padding} } }`;
    const response = await gql(server.baseUrl, query, {}, { apiKey: server.apiKey });
    expectRefused(response, /token limit of 2000 exceeded/i);
    expect(noUpstream(server.gateway, m)).toBe(true);
  });
});

const INTROSPECTION = '{ __schema { queryType { name } types { name } } }';

describe('GraphiQL and introspection in development config', () => {
  it('GET /graphql for HTML serves GraphiQL without an API key, self-contained (no CDN)', async () => {
    const response = await fetch(`${server.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toMatch(/graphiql/i);
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
    expect(html).toContain('x-api-key');
    expect(html).toContain('<your API key>');
  });

  it('prefills the key it is given (npm run demo), so the page works on first click', async () => {
    const config = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent', API_KEYS: server.apiKey });
    const { server: demo } = await buildApp(config, undefined, { graphiqlApiKey: server.apiKey });
    try {
      const page = await demo.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(server.apiKey);
      expect(page.body).not.toContain('<your API key>');
    } finally {
      await demo.close();
    }
  });

  it('answers an introspection query', async () => {
    const response = await gql<{ __schema: { queryType: { name: string } } }>(
      server.baseUrl,
      INTROSPECTION,
      {},
      { apiKey: server.apiKey },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.__schema.queryType.name).toBe('Query');
  });
});

describe.each([
  ['NODE_ENV=production', { NODE_ENV: 'production' }],
  ['GRAPHIQL=false and GRAPHQL_INTROSPECTION=false', { GRAPHIQL: 'false', GRAPHQL_INTROSPECTION: 'false' }],
])('GraphiQL and introspection with %s', (_label, env) => {
  let locked: TestServer;
  beforeAll(async () => {
    locked = await startTestServer({ env });
  });
  afterAll(() => locked.close());

  it('does not serve GraphiQL', async () => {
    const response = await fetch(`${locked.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(await response.text()).not.toMatch(/graphiql/i);
  });

  it('refuses an introspection query', async () => {
    const response = await gql(locked.baseUrl, INTROSPECTION, {}, { apiKey: locked.apiKey });
    expect(response.data?.__schema).toBeUndefined();
    expect(response.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it('refuses an introspection query over graphql-ws too', async () => {
    const client = wsClient(locked);
    try {
      const result = await new Promise<{ data?: unknown; errors?: unknown }>((resolve, reject) => {
        client.subscribe({ query: INTROSPECTION }, { next: resolve, error: reject, complete: () => {} });
      }).catch((errors: unknown) => ({ data: undefined, errors }));
      expect(result.data).toBeUndefined();
      expect(JSON.stringify(result.errors)).toMatch(/introspection has been disabled/i);
    } finally {
      await client.dispose();
    }
  });

  it('names no schema member in "Did you mean" suggestions, over HTTP and graphql-ws', async () => {
    const misspelt = '{ limits { maxImage } }';
    const badRole = { input: { messages: [{ role: 'usr', content: 'hi' }] } };
    const http = [
      await gql(locked.baseUrl, misspelt, {}, { apiKey: locked.apiKey }),
      await gql(locked.baseUrl, SEND_CHAT, badRole, { apiKey: locked.apiKey }),
    ].map((response) => response.errors?.[0]?.message ?? '');
    const client = wsClient(locked);
    try {
      const overWs = (query: string, variables: Record<string, unknown>) =>
        new Promise<string>((resolve) => {
          client.subscribe(
            { query, variables },
            {
              next: (r) => resolve(String(r.errors?.[0]?.message)),
              error: (e) => resolve(JSON.stringify(e)),
              complete: () => {},
            },
          );
        });
      const ws = [await overWs(misspelt, {}), await overWs(SEND_CHAT, badRole)];
      const messages = [...http, ...ws];
      expect(messages[0]).toMatch(/Cannot query field "maxImage"/);
      expect(messages[1]).toMatch(/"usr" does not exist/);
      expect(messages[2]).toMatch(/Cannot query field/);
      expect(messages[3]).toMatch(/does not exist/);
      for (const message of messages) expect(message).not.toMatch(/Did you mean|maxImages|enum value/);
    } finally {
      await client.dispose();
    }
  });

  it('still answers ordinary operations', async () => {
    const response = await gql(locked.baseUrl, '{ limits { maxImages } }', {}, { apiKey: locked.apiKey });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ limits: { maxImages: 8 } });
  });
});
