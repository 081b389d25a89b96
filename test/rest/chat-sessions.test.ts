/** POST /api/chat: first-turn race retry, client aborts, and per-session serialization. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  expectError,
  type Json,
  PNG_BASE64,
  postChat,
  readSse,
  settledFlag,
  userMessage,
  within,
} from '../helpers/rest.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(() => server.gateway.reset());
afterAll(async () => {
  await server.close();
});

describe('first-turn race (FAKE_RACE)', () => {
  it('with `user`: the 500 of the first attempt is retried once and the client gets 200', async () => {
    const response = await postChat(server, { messages: [userMessage('hi FAKE_RACE')], user: 'racer-1' });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(JSON.parse(text).choices[0].message.content).toContain('ECHO: hi FAKE_RACE');
    expect(server.gateway.requests).toHaveLength(2);
    const [a, b] = server.gateway.requests;
    expect(a!.body).toEqual(b!.body);
    expect(a!.headers['x-openclaw-session-key']).toBe(b!.headers['x-openclaw-session-key']);
  });

  it('with `user`: a persistent 500 is retried only once, then 502', async () => {
    const response = await postChat(server, { messages: [userMessage('FAKE_500')], user: 'racer-2' });
    await expectError(response, 502, 'UPSTREAM_FAILED');
    expect(server.gateway.requests).toHaveLength(2);
  });

  it('without `user`: no retry (FAKE_RACE is answered at once, FAKE_500 fails after one request)', async () => {
    const ok = await postChat(server, { messages: [userMessage('hi FAKE_RACE')] });
    expect(ok.status).toBe(200);
    await ok.text();
    expect(server.gateway.requests).toHaveLength(1);
    server.gateway.reset();
    const failed = await postChat(server, { messages: [userMessage('FAKE_500')] });
    await expectError(failed, 502, 'UPSTREAM_FAILED');
    expect(server.gateway.requests).toHaveLength(1);
  });

  it('a 400 from the gateway is never retried, even with `user`', async () => {
    const response = await postChat(server, {
      model: 'openclaw/unknownagent',
      messages: [userMessage('hi')],
      user: 'racer-3',
    });
    await expectError(response, 400, 'UPSTREAM_REJECTED');
    expect(server.gateway.requests).toHaveLength(1);
  });
});

describe('client aborts cancel the upstream request', () => {
  for (const [label, word, stream] of [
    ['non-streaming FAKE_HANG', 'FAKE_HANG', false],
    ['streaming FAKE_HANG', 'FAKE_HANG', true],
    ['streaming FAKE_SILENT', 'FAKE_SILENT', true],
  ] as const) {
    it(label, async () => {
      const controller = new AbortController();
      const pending = postChat(server, { messages: [userMessage(word)], stream }, { signal: controller.signal });
      if (stream) {
        // Wait for the stream to be open (the SSE comment arrives at once), then for the upstream request.
        const response = await pending;
        expect(response.status).toBe(200);
        const reader = response.body!.getReader();
        await reader.read();
        const [upstream] = await server.gateway.waitForRequests(1);
        expect(upstream!.closedEarly).toBe(false);
        controller.abort();
        await reader.read().catch(() => undefined);
      } else {
        const [upstream] = await server.gateway.waitForRequests(1);
        expect(upstream!.closedEarly).toBe(false);
        controller.abort();
        await expect(pending).rejects.toThrow();
      }
      const upstream = server.gateway.requests[0]!;
      await within(upstream.closed, 'the upstream request was not closed after the client aborted');
      expect(upstream.closedEarly).toBe(true);
      // The server still serves.
      const after = await postChat(server, { messages: [userMessage('still there?')] });
      expect(after.status).toBe(200);
      await after.text();
    });
  }
});

describe('per-session serialization', () => {
  it('two concurrent turns of the same `user` reach the gateway one after the other', async () => {
    const first = postChat(server, { messages: [userMessage('one FAKE_SLOW_300')], user: 'serial-user' });
    const [firstUpstream] = await server.gateway.waitForRequests(1);
    const firstClosed = settledFlag(firstUpstream!.closed);
    const second = postChat(server, { messages: [userMessage('two')], user: 'serial-user' });
    await server.gateway.waitForRequests(2);
    // The second request only arrived once the first upstream exchange was over.
    expect(firstClosed.settled).toBe(true);
    expect(firstUpstream!.closedEarly).toBe(false);
    const [a, b] = await Promise.all([first, second]);
    const [bodyA, bodyB]: Json[] = await Promise.all([a.json(), b.json()]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(bodyA.choices[0].message.content).toContain('history=0');
    expect(bodyB.choices[0].message.content).toContain('history=1');
    const [ra, rb] = server.gateway.requests;
    expect(ra!.headers['x-openclaw-session-key']).toBe(rb!.headers['x-openclaw-session-key']);
  });

  it('a failing turn does not block the next turn of the same user', async () => {
    const first = postChat(server, { messages: [userMessage('FAKE_429')], user: 'serial-fail' });
    const second = postChat(server, { messages: [userMessage('next')], user: 'serial-fail' });
    const [a, b] = await Promise.all([first, second]);
    expect(a.status).toBe(429);
    expect(b.status).toBe(200);
    await Promise.all([a.text(), b.text()]);
  });

  it('different users run in parallel', async () => {
    const controller = new AbortController();
    const hanging = postChat(
      server,
      { messages: [userMessage('FAKE_HANG')], user: 'parallel-a' },
      { signal: controller.signal },
    ).catch(() => undefined);
    const [hangUpstream] = await server.gateway.waitForRequests(1);
    const hangClosed = settledFlag(hangUpstream!.closed);
    const other = await postChat(server, { messages: [userMessage('quick')], user: 'parallel-b' });
    expect(other.status).toBe(200);
    await other.text();
    // B was answered while A's upstream request is still open.
    expect(hangClosed.settled).toBe(false);
    expect(server.gateway.requests).toHaveLength(2);
    controller.abort();
    await hanging;
    await within(hangUpstream!.closed, 'the upstream request was not closed after the client aborted');
    expect(hangUpstream!.closedEarly).toBe(true);
  });

  it('an aborted turn releases the session for the next one', async () => {
    const controller = new AbortController();
    const hanging = postChat(
      server,
      { messages: [userMessage('FAKE_HANG')], user: 'abort-release' },
      { signal: controller.signal },
    ).catch(() => undefined);
    const [hangUpstream] = await server.gateway.waitForRequests(1);
    controller.abort();
    await hanging;
    await within(hangUpstream!.closed, 'the upstream request was not closed after the client aborted');
    const next = await postChat(server, { messages: [userMessage('after abort')], user: 'abort-release' });
    expect(next.status).toBe(200);
    await next.text();
  });
});

describe('streaming with `user`', () => {
  it('FAKE_RACE on a streamed first turn is retried too, and the stream completes', async () => {
    const response = await postChat(server, {
      messages: [userMessage('s FAKE_RACE')],
      user: 'race-stream',
      stream: true,
    });
    expect(response.status).toBe(200);
    const { frames } = await readSse(response);
    const payloads = frames.filter((f) => f.data !== undefined && f.data !== '[DONE]').map((f) => JSON.parse(f.data!));
    expect(payloads.some((p) => p.error !== undefined)).toBe(false);
    expect(payloads.at(-1).choices[0].finish_reason).toBe('stop');
    expect(server.gateway.requests).toHaveLength(2);
  });

  it('text turns (chat completions) and attachment turns (responses) of one user share the session', async () => {
    await (await postChat(server, { messages: [userMessage('text turn')], user: 'cross-endpoint' })).text();
    const response = await postChat(server, {
      messages: [userMessage('image turn')],
      user: 'cross-endpoint',
      attachments: [{ type: 'image', data: PNG_BASE64, mimeType: 'image/png' }],
    });
    const body = await response.json();
    expect(response.status).toBe(200);
    const [a, b] = server.gateway.requests;
    expect(a!.path).toBe('/v1/chat/completions');
    expect(b!.path).toBe('/v1/responses');
    expect(a!.headers['x-openclaw-session-key']).toBe(b!.headers['x-openclaw-session-key']);
    expect(body.choices[0].message.content).toContain('history=1');
  });

  it('a stream and a non-stream turn of the same user share the session', async () => {
    const streamed = await postChat(server, { messages: [userMessage('s1')], user: 'mixed', stream: true });
    await readSse(streamed);
    const plain = await postChat(server, { messages: [userMessage('s2')], user: 'mixed' });
    expect((await plain.json()).choices[0].message.content).toContain('history=1');
    const [a, b] = server.gateway.requests;
    expect(a!.headers['x-openclaw-session-key']).toMatch(/^minipro-/);
    expect(a!.headers['x-openclaw-session-key']).toBe(b!.headers['x-openclaw-session-key']);
  });
});
