/** The ws transport through the real server, against the in-repo fake of the gateway's WebSocket protocol. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_PNG } from '../fake-gateway-ws/fake-ws-gateway.ts';
import { TINY_PNG_BASE64 } from '../helpers/media.ts';
import { startWsTestServer, type WsTestServer } from '../helpers/ws-server.ts';

let server: WsTestServer;

beforeAll(async () => {
  server = await startWsTestServer({ gateway: { policy: { maxImageBytes: 64 * 1024 } } });
});
afterAll(async () => {
  await server.close();
});

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON in assertions
type Json = any;

async function post(body: unknown): Promise<Response> {
  return fetch(`${server.baseUrl}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
    body: JSON.stringify(body),
  });
}

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const response = await fetch(`${server.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

const user = (content: string) => ({ role: 'user', content });

const principal = { id: 'ws-test' };

/** Starts a streaming run on the server's one chat service and returns its id. */
function start(content: string): string {
  return server.app.service.start(principal, { messages: [{ role: 'user', content }] }, { stream: true }).id;
}

/** Every event of a run, until its end. */
async function events(runId: string): Promise<Json[]> {
  const list: Json[] = [];
  for await (const event of server.app.service.events(principal, runId)) list.push(event);
  return list;
}

describe('ws transport', () => {
  it('answers a non-streaming REST turn through chat.send, with our run id as idempotency key', async () => {
    const response = await post({ messages: [user('hello ws')] });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.choices[0].message.content).toBe('ECHO: hello ws | images=0');
    const send = server.gateway.requests.findLast((r) => r.method === 'chat.send');
    expect(send?.params.message).toBe('hello ws');
    expect(send?.params.idempotencyKey).toBe(response.headers.get('x-run-id'));
  });

  it('streams incremental ordered deltas and drops another run’s events', async () => {
    const response = await post({ messages: [user('one two three four')], stream: true });
    const raw = await response.text();
    const deltas = raw
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)))
      .map((c) => c.choices?.[0]?.delta?.content)
      .filter((c) => typeof c === 'string');
    expect(deltas.join('')).toBe('ECHO: one two three four | images=0');
    expect(deltas.length).toBeGreaterThan(3);
    expect(raw).not.toContain('SECRET OF ANOTHER USER');
  });

  it('reports the double error frame of one failure once', async () => {
    const list = await events(start('FAKE_FAIL now'));
    const failed = list.filter((e) => e.type === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].code).toBe('UPSTREAM_FAILED');
    expect(failed[0].message).toContain('fake/fake-model request failed');
  });

  it('cancels with chat.abort', async () => {
    const runId = start('FAKE_SLOW_5000 wait');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.app.service.cancel(principal, runId)).toBe(true);
    await expect
      .poll(() => server.gateway.requests.some((r) => r.method === 'chat.abort' && r.params.runId === runId))
      .toBe(true);
    const list = await events(runId);
    expect(list.at(-1)).toMatchObject({ type: 'failed', code: 'CANCELLED' });
  });

  it('refuses an image over the hello-ok policy with 413 before sending, and keeps the connection', async () => {
    const before = server.gateway.requests.length;
    const big = Buffer.alloc(100 * 1024, 7);
    big.set(Buffer.from(TINY_PNG_BASE64, 'base64').subarray(0, 16));
    const response = await post({
      messages: [user('look')],
      attachments: [{ type: 'image', mimeType: 'image/png', data: big.toString('base64') }],
    });
    expect(response.status).toBe(413);
    const body = await response.json();
    expect(JSON.stringify(body)).toContain('at most 0.1 MiB per image');
    expect(server.gateway.requests.length).toBe(before);
    const after = await post({ messages: [user('still there')] });
    expect(after.status).toBe(200);
  });

  it('answers tRPC chat.send and GraphQL sendChat over ws', async () => {
    const trpc = await fetch(`${server.baseUrl}/trpc/chat.send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
      body: JSON.stringify({ messages: [user('trpc over ws')] }),
    });
    expect((await trpc.json()).result.data.message.content).toBe('ECHO: trpc over ws | images=0');
    const graphql = await gql(
      'mutation { sendChat(input: { messages: [{ role: user, content: "gql over ws" }] }) { message { content } } }',
    );
    expect(graphql.data.sendChat.message.content).toBe('ECHO: gql over ws | images=0');
  });

  it('sends a small image as a chat.send attachment', async () => {
    const response = await post({
      messages: [user('what is this')],
      attachments: [{ type: 'image', mimeType: 'image/png', data: TINY_PNG_BASE64 }],
    });
    expect(response.status).toBe(200);
    expect((await response.json()).choices[0].message.content).toContain('images=1');
    const send = server.gateway.requests.findLast((r) => r.method === 'chat.send');
    expect(send?.params.attachments).toEqual([
      { type: 'image', mimeType: 'image/png', fileName: 'image-1.png', content: TINY_PNG_BASE64 },
    ]);
  });

  it('recovers a run whose connection dropped mid-answer (agent.wait + chat.history)', async () => {
    const response = await post({ messages: [user('FAKE_DROP a b c d e f')] });
    expect(response.status).toBe(200);
    expect((await response.json()).choices[0].message.content).toBe('ECHO: FAKE_DROP a b c d e f | images=0');
    expect(server.gateway.requests.some((r) => r.method === 'agent.wait')).toBe(true);
  });

  it('passes the thinking level and reports an unsupported one as INVALID_INPUT', async () => {
    const response = await post({ messages: [user('think hard')], thinking: 'high' });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.code).toBe('INVALID_INPUT');
    expect(body.error.message).toContain('Thinking level "high" is not supported');
    expect(server.gateway.requests.findLast((r) => r.method === 'chat.send')?.params.thinking).toBe('high');
  });

  it('reports the ws effective limits and readiness', async () => {
    const limits = await gql('{ limits { maxImageBytes maxFileBytes } }');
    expect(limits.data.limits).toEqual({ maxImageBytes: 6_291_456, maxFileBytes: 5 * 1024 * 1024 });
    const ready = await fetch(`${server.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
  });
});

describe('ws transport start-up failures', () => {
  it('a missing scope fails start-up with a clear message, /readyz says which, and turns get UPSTREAM_AUTH', async () => {
    const scoped = await startWsTestServer({ gateway: { grantScopes: ['operator.read'] } });
    try {
      const gateway = scoped.app.gateway as import('../../src/gateway/ws/transport.ts').WsChatGateway;
      await expect(gateway.connection.started(5_000)).rejects.toThrow(/missing: operator\.write/);
      const ready = await fetch(`${scoped.baseUrl}/readyz`);
      expect(ready.status).toBe(503);
      expect((await ready.json()).reason).toBe('gateway did not grant operator.write');
      const response = await fetch(`${scoped.baseUrl}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': scoped.apiKey },
        body: JSON.stringify({ messages: [user('hi')] }),
      });
      expect(response.status).toBe(502);
      expect((await response.json()).error.code).toBe('UPSTREAM_AUTH');
      expect(scoped.gateway.requests.some((r) => r.method === 'chat.send')).toBe(false);
    } finally {
      await scoped.close();
    }
  });

  it('PAIRING_REQUIRED is surfaced with its request id and the approve command', async () => {
    const unpaired = await startWsTestServer({
      gateway: { pairingRequestId: 'req-462d722d' },
      env: { READY_CACHE_MS: '0' },
    });
    try {
      await expect
        .poll(async () => (await (await fetch(`${unpaired.baseUrl}/readyz`)).json()).reason)
        .toBe('device pairing required: run `openclaw devices approve req-462d722d` on the gateway host');
      const response = await fetch(`${unpaired.baseUrl}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': unpaired.apiKey },
        body: JSON.stringify({ messages: [user('hi')] }),
      });
      expect((await response.json()).error.message).toContain('openclaw devices approve req-462d722d');
    } finally {
      await unpaired.close();
    }
  });
});

describe('ws transport stream', () => {
  it('yields exactly one failure for the two error frames of one failure', async () => {
    const gateway = server.app.gateway as import('../../src/gateway/ws/transport.ts').WsChatGateway;
    const request = { model: 'openclaw', messages: [user('FAKE_FAIL x')], attachments: [], sessionKey: undefined };
    const seen: string[] = [];
    for await (const event of gateway.stream({ ...request, stream: true } as never, new AbortController().signal)) {
      seen.push(event.type);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual(['failed']);
  });
});

describe('ws tool progress', () => {
  it('reaches GraphQL as ChatToolCall events before the answer, without tool arguments', async () => {
    const response = await fetch(`${server.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey, accept: 'text/event-stream' },
      body: JSON.stringify({
        query: `subscription { chatStream(input: { messages: [{ role: user, content: "FAKE_TOOL list" }] }) {
          __typename ... on ChatToolCall { name phase title status } } }`,
      }),
    });
    const raw = await response.text();
    const types = raw
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)).data?.chatStream)
      .filter(Boolean);
    const tools = types.filter((e) => e.__typename === 'ChatToolCall');
    expect(tools).toEqual([
      { __typename: 'ChatToolCall', name: 'ls', phase: 'started', title: 'Ls .', status: 'running' },
      { __typename: 'ChatToolCall', name: 'ls', phase: 'finished', title: 'Ls .', status: 'completed' },
    ]);
    expect(types.findIndex((e) => e.__typename === 'ChatToolCall')).toBeLessThan(
      types.findIndex((e) => e.__typename === 'ChatCompleted'),
    );
    expect(raw).not.toContain('/secret');
  });

  it('reaches REST streams as x_tool SSE comments and tRPC/run events as tool events', async () => {
    const response = await post({ messages: [user('FAKE_TOOL list')], stream: true });
    const raw = await response.text();
    expect(raw).toContain(': x_tool {"name":"ls","phase":"started","title":"Ls .","status":"running"}');
    expect(raw).not.toContain('/secret');
    const list = await events(start('FAKE_TOOL again'));
    expect(list.filter((e) => e.type === 'tool').map((e) => e.phase)).toEqual(['started', 'finished']);
    expect(JSON.stringify(list)).not.toContain('/secret');
  });
});

describe('ws generated media in the Completion', () => {
  it('downloads the run’s artifacts from chat.history when asked to keep them (bytes, no gateway URLs)', async () => {
    const gateway = server.app.gateway as import('../../src/gateway/ws/transport.ts').WsChatGateway;
    const request = { model: 'openclaw', messages: [user('FAKE_MEDIA cat')], attachments: [], sessionKey: undefined };
    const signal = new AbortController().signal;
    const completion = await gateway.complete({ ...request, stream: false, keepMedia: true } as never, signal);
    expect(completion.text).toBe('Here is the local cat.');
    expect(completion.media).toEqual([{ kind: 'image', name: 'cat.png', mimeType: 'image/png', bytes: GENERATED_PNG }]);
    const notKept = await gateway.complete({ ...request, stream: false } as never, signal);
    expect(notKept.media).toBeUndefined();
  });
});
