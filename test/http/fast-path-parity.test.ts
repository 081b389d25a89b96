/**
 * GraphQL's and tRPC's lean paths for single JSON calls must answer exactly as yoga's and tRPC's own handlers do.
 * Every request below goes to two servers, one with the lean paths and one without, and the answers are compared:
 * status, the headers a client reads, and the body with run ids masked. The requests cover what the lean paths
 * serve (successes, errors raised while running) and what they hand back to the libraries (refusals, odd shapes).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leanPathChannel } from '../../src/http/lean-path.ts';
import { within } from '../helpers/async.ts';
import { ask, marker, upstreamFor } from '../helpers/fixtures.ts';
import { TINY_PNG_BASE64 } from '../helpers/media.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let lean: TestServer;
let full: TestServer;
let leanAnswers = 0;
const countLeanAnswer = () => {
  leanAnswers++;
};

beforeAll(async () => {
  [lean, full] = await Promise.all([startTestServer(), startTestServer({ fastPaths: false })]);
  subscribe(leanPathChannel.name, countLeanAnswer);
});
afterAll(async () => {
  unsubscribe(leanPathChannel.name, countLeanAnswer);
  await Promise.all([lean?.close(), full?.close()]);
});

/** Run ids, conversation ids, and the per-turn (or per-conversation) session ids the fake gateway echoes. */
const UUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|c_[0-9a-f]{36}|minipro-[0-9a-f]{40}/g;
const COMPARED_HEADERS = ['content-type', 'vary', 'allow', 'retry-after', 'x-run-id', 'access-control-allow-origin'];

interface Call {
  path: string;
  body: string;
  headers?: Record<string, string>;
  apiKey?: string | null;
}

async function answer(server: TestServer, call: Call) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...call.headers };
  const apiKey = call.apiKey === undefined ? server.apiKey : call.apiKey;
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  const response = await fetch(`${server.baseUrl}${call.path}`, { method: 'POST', headers, body: call.body });
  const text = (await response.text()).replace(UUIDS, '<id>');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  const compared = Object.fromEntries(COMPARED_HEADERS.map((name) => [name, response.headers.get(name)]));
  return { status: response.status, headers: compared, body };
}

/**
 * Both servers answer alike, and the lean one did (or did not) take its lean path. A GraphQL document only runs on
 * the lean path once yoga has run it, so `vet` first sends the call to the lean server once.
 */
async function expectSameAnswer(call: Call, path: { lean: boolean; vet?: boolean }) {
  if (path.vet) await answer(lean, call);
  const before = leanAnswers;
  const [fromLean, fromFull] = await Promise.all([answer(lean, call), answer(full, call)]);
  expect(fromLean).toEqual(fromFull);
  expect(leanAnswers - before, path.lean ? 'served on the lean path' : 'left to the library').toBe(path.lean ? 1 : 0);
  return fromLean;
}
const LEAN_GRAPHQL = { lean: true, vet: true };
const LEAN = { lean: true };
const LIBRARY = { lean: false };

const image = { image: { data: TINY_PNG_BASE64, mimeType: 'image/png' } };

describe('GraphQL: the lean path answers as yoga does', () => {
  const SEND = `mutation Send($input: SendChatInput!) {
    sendChat(input: $input) {
      runId model finishReason message { role content } usage { inputTokens outputTokens totalTokens }
      attachments { __typename ... on ImageAttachment { url alt } ... on FileAttachment { url name } }
    }
  }`;
  const gqlCall = (payload: Record<string, unknown>, headers: Record<string, string> = {}): Call => ({
    path: '/graphql',
    body: JSON.stringify(payload),
    headers: { accept: 'application/graphql-response+json, application/json', ...headers },
  });
  const send = (input: unknown, headers?: Record<string, string>) =>
    gqlCall({ query: SEND, variables: { input } }, headers);

  it.each([
    ['no Accept', {}, LEAN_GRAPHQL],
    ['*/*', { accept: '*/*' }, LEAN_GRAPHQL],
    ['application/json', { accept: 'application/json' }, LEAN_GRAPHQL],
    ['application/graphql-response+json', { accept: 'application/graphql-response+json' }, LEAN_GRAPHQL],
    ['both JSON types', { accept: 'application/graphql-response+json, application/json' }, LEAN_GRAPHQL],
    ['an Accept it leaves to yoga', { accept: 'application/json;q=0.9, */*;q=0.1' }, LIBRARY],
  ])('a text turn, Accept: %s', async (_name, headers, path) => {
    const { status, body } = await expectSameAnswer(
      { ...send(ask('hello')), headers: headers as Record<string, string> },
      path,
    );
    expect(status).toBe(200);
    expect(JSON.stringify(body)).toContain('ECHO: hello');
  });

  it('a turn with an image and a file, and links the answer carried', async () => {
    const file = { file: { name: 'notes.txt', data: Buffer.from('notes').toString('base64') } };
    const { body } = await expectSameAnswer(
      send({ ...ask('FAKE_MEDIA look'), attachments: [image, file] }),
      LEAN_GRAPHQL,
    );
    expect(JSON.stringify(body)).toContain('ImageAttachment');
  });

  it.each([
    ['both @oneOf members', { attachments: [{ image: image.image, file: { name: 'a.txt', data: 'YQ==' } }] }],
    ['no @oneOf member', { attachments: [{}] }],
    ['a wrong role', { messages: [{ role: 'robot', content: 'hi' }] }],
    ['input that is not an object', 'hello'],
  ])('a variable that does not coerce: %s', async (_name, patch) => {
    const input = typeof patch === 'string' ? patch : { ...ask('hi'), ...patch };
    const { body } = await expectSameAnswer(send(input), LEAN_GRAPHQL);
    expect(JSON.stringify(body)).toContain('errors');
  });

  it.each([
    ['INVALID_INPUT (the last turn is not the user’s)', { messages: [{ role: 'assistant', content: 'hi' }] }],
    [
      'INVALID_INPUT (an image that is not one)',
      { ...ask('x'), attachments: [{ image: { data: 'aGVsbG8=', mimeType: 'image/png' } }] },
    ],
    ['UPSTREAM_FAILED', ask('FAKE_500')],
    ['RATE_LIMITED', ask('FAKE_429')],
  ])('a chat-service error: %s', async (name, input) => {
    const { body } = await expectSameAnswer(send(input), LEAN_GRAPHQL);
    expect(JSON.stringify(body)).toContain(name.split(' ')[0]!);
  });

  it('cancelChat, limits and __typename', async () => {
    await expectSameAnswer(gqlCall({ query: 'mutation { cancelChat(runId: "no-such-run") }' }), LEAN_GRAPHQL);
    const limits = '{ __typename limits { maxImageBytes maxFileBytes imageMimeTypes } }';
    await expectSameAnswer(gqlCall({ query: limits }), LEAN_GRAPHQL);
    await expectSameAnswer(gqlCall({ query: limits, variables: null, operationName: null }), LEAN);
  });

  it('operationName picks one of several operations, or is missing', async () => {
    const query = 'query A { limits { maxImageBytes } } query B { __typename }';
    await expectSameAnswer(gqlCall({ query, operationName: 'B' }), LEAN_GRAPHQL);
    await expectSameAnswer(gqlCall({ query, operationName: 'A' }), LEAN);
    await expectSameAnswer(gqlCall({ query }), LIBRARY);
    await expectSameAnswer(gqlCall({ query, operationName: 'C' }), LIBRARY);
  });

  it.each([
    ['a syntax error', { query: 'mutation {' }],
    ['an unknown field', { query: '{ nope }' }],
    ['too deep', { query: `{ ${'__schema { types { fields { type { '.repeat(4)}name${' } } } }'.repeat(4)} }` }],
    [
      'too many aliases',
      { query: `{ ${Array.from({ length: 11 }, (_, i) => `a${i}: limits { maxImageBytes }`).join(' ')} }` },
    ],
    ['too many tokens', { query: `{ limits { ${'maxImageBytes '.repeat(2001)}} }` }],
    ['a missing query', { variables: {} }],
    ['a query that is not a string', { query: 42 }],
    ['an unknown parameter', { query: '{ __typename }', extra: true }],
    ['variables that are not an object', { query: '{ __typename }', variables: 'x' }],
    ['a subscription', { query: 'subscription { chatEvents(runId: "x") { __typename } }' }],
  ])('a request yoga refuses: %s', async (_name, payload) => {
    const { status, body } = await expectSameAnswer(gqlCall(payload), { lean: false, vet: true });
    expect(status === 200 ? JSON.stringify(body) : String(status)).toMatch(/errors|4\d\d/);
  });

  it('a batch, a request from a browser origin, and no key', async () => {
    await expectSameAnswer(gqlCall({ query: '{ __typename }' }), LEAN_GRAPHQL);
    await expectSameAnswer({ path: '/graphql', body: JSON.stringify([{ query: '{ __typename }' }]) }, LIBRARY);
    const fromBrowser = { ...gqlCall({ query: '{ __typename }' }), headers: { origin: 'https://example.com' } };
    const { headers } = await expectSameAnswer(fromBrowser, LIBRARY);
    expect(headers['access-control-allow-origin']).toBe('https://example.com');
    const { status } = await expectSameAnswer({ ...gqlCall({ query: '{ __typename }' }), apiKey: null }, LIBRARY);
    expect(status).toBe(401);
  });
});

describe('tRPC: the lean path answers as resolveResponse does', () => {
  const trpcCall = (path: string, body: unknown, extra: Partial<Call> = {}): Call => ({
    path: `/trpc/${path}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...extra,
  });

  it('chat.send: text, an image, a file', async () => {
    const { status } = await expectSameAnswer(trpcCall('chat.send', ask('hello')), LEAN);
    expect(status).toBe(200);
    const withImage = { ...ask('look'), attachments: [{ type: 'image', ...image.image }] };
    await expectSameAnswer(trpcCall('chat.send', withImage), LEAN);
    const file = { type: 'file', name: 'notes.txt', data: Buffer.from('notes').toString('base64') };
    await expectSameAnswer(trpcCall('chat.send', { ...ask('read'), attachments: [file] }), LEAN);
  });

  it.each([
    ['BAD_REQUEST (schema)', { messages: [] }],
    ['BAD_REQUEST (null input)', null],
    ['BAD_REQUEST (the last turn is not the user’s)', { messages: [{ role: 'assistant', content: 'hi' }] }],
    ['BAD_GATEWAY', ask('FAKE_500')],
    ['TOO_MANY_REQUESTS', ask('FAKE_429')],
  ])('chat.send errors: %s', async (name, input) => {
    const { status, body } = await expectSameAnswer(trpcCall('chat.send', input), LEAN);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(body)).toContain(name.split(' ')[0]!);
  });

  it('chat.start, chat.cancel', async () => {
    const { body } = await expectSameAnswer(trpcCall('chat.start', ask('FAKE_SLOW_250 later')), LEAN);
    expect(body).toEqual({ result: { data: { runId: '<id>', conversationId: '<id>' } } });
    await expectSameAnswer(trpcCall('chat.cancel', { runId: 'no-such-run' }), LEAN);
    await expectSameAnswer(trpcCall('chat.cancel', {}), LEAN);
  });

  it('no key, and a key that is not known', async () => {
    const { status } = await expectSameAnswer(trpcCall('chat.send', ask('hi'), { apiKey: null }), LEAN);
    expect(status).toBe(401);
    await expectSameAnswer(trpcCall('chat.cancel', { runId: 'x' }, { apiKey: 'not-a-key-at-all-0123' }), LEAN);
  });

  it.each([
    ['a body that is not JSON', trpcCall('chat.send', '{"messages": [')],
    ['an empty body', trpcCall('chat.send', '')],
    ['a subscription by POST', trpcCall('chat.events', { runId: 'x' })],
    ['an unknown procedure', trpcCall('chat.nope', {})],
    ['a batch', trpcCall('chat.send?batch=1', { 0: ask('batched') })],
    [
      'a JSONL stream',
      trpcCall('chat.send?batch=1', { 0: ask('streamed') }, { headers: { 'trpc-accept': 'application/jsonl' } }),
    ],
  ])('what it leaves to resolveResponse: %s', async (_name, call) => {
    await expectSameAnswer(call, LIBRARY);
  });
});

describe('a client that goes away from a single call cancels its run, on either path', () => {
  const SEND_TEXT = 'mutation Send($input: SendChatInput!) { sendChat(input: $input) { runId } }';

  it.each([
    ['GraphQL sendChat', '/graphql', (content: string) => ({ query: SEND_TEXT, variables: { input: ask(content) } })],
    ['tRPC chat.send', '/trpc/chat.send', (content: string) => ask(content)],
  ])('%s', async (_name, path, body) => {
    // Vets the GraphQL document, so the lean server serves the hanging call on its lean path.
    await answer(lean, { path, body: JSON.stringify(body('warm up')) });
    // Its own connections, destroyed at the end: an aborted fetch may leave the global pool's socket half-open.
    const client = new Agent();
    try {
      for (const server of [lean, full]) {
        const m = marker('gone');
        const controller = new AbortController();
        const pending = undiciFetch(`${server.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
          body: JSON.stringify(body(`FAKE_HANG ${m}`)),
          signal: controller.signal,
          dispatcher: client,
        });
        const upstream = await upstreamFor(server.gateway, m);
        controller.abort();
        await expect(pending).rejects.toThrow();
        await within(upstream.closed, `${server === lean ? 'lean' : 'full'}: the upstream request outlived the client`);
        expect(upstream.closedEarly).toBe(true);
      }
    } finally {
      await client.destroy();
    }
  });
});
