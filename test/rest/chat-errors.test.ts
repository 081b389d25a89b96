/** POST /api/chat failures: one JSON error shape, the right status and code, nothing leaked, server still up. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  dataPayloads,
  expectError,
  expectNoLeak,
  expectStillServes,
  type Json,
  PNG_BASE64,
  postChat,
  readSse,
  userMessage,
  within,
} from '../helpers/rest.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const servers: TestServer[] = [];
async function start(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer(options);
  servers.push(s);
  return s;
}

let server: TestServer;

beforeAll(async () => {
  server = await start({ env: { MAX_IMAGE_BYTES: '1000', BODY_LIMIT_BYTES: '4000' } });
});
afterEach(() => server.gateway.reset());
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const hello = { messages: [userMessage('hello')] };

/** Expects the error, checks it leaks nothing, and that the same server then still answers. */
async function expectFailure(s: TestServer, response: Response, status: number, code: string): Promise<Json> {
  const error = await expectError(response, status, code);
  expectNoLeak(JSON.stringify(error), s.gateway.url);
  await expectStillServes(s);
  return error;
}

describe('request problems', () => {
  it('malformed JSON → 400 INVALID_INPUT', async () => {
    const response = await postChat(server, '{"messages": [');
    await expectFailure(server, response, 400, 'INVALID_INPUT');
    expect(server.gateway.requests).toHaveLength(0);
  });

  it('a body that is not application/json → 415 INVALID_INPUT saying what to send', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await postChat(server, hello, { headers: { 'content-type': type } });
      const error = await expectFailure(server, response, 415, 'INVALID_INPUT');
      expect(error.message).toMatch(/application\/json/);
    }
    expect(server.gateway.requests).toHaveLength(0);
  });

  it('a body over BODY_LIMIT_BYTES → 413 PAYLOAD_TOO_LARGE as JSON', async () => {
    const response = await postChat(server, { messages: [userMessage('x'.repeat(5000))] });
    await expectFailure(server, response, 413, 'PAYLOAD_TOO_LARGE');
    expect(server.gateway.requests).toHaveLength(0);
  });

  it('no API key → 401', async () => {
    const error = await expectFailure(server, await postChat(server, hello, { apiKey: null }), 401, 'UNAUTHENTICATED');
    expect(error.message).toMatch(/X-Api-Key/);
  });

  it('a wrong key in X-Api-Key → 401', async () => {
    const response = await postChat(server, hello, { apiKey: 'wrong-key-0123456789abcdef' });
    await expectFailure(server, response, 401, 'UNAUTHENTICATED');
  });

  it('a wrong key as Authorization: Bearer → 401; the right one passes', async () => {
    const wrong = await postChat(server, hello, { apiKey: 'wrong-key-0123456789abcdef', bearer: true });
    await expectFailure(server, wrong, 401, 'UNAUTHENTICATED');
    const right = await postChat(server, hello, { bearer: true });
    expect(right.status).toBe(200);
    expect(server.gateway.requests).toHaveLength(1);
  });

  it('empty messages → 400', async () => {
    const error = await expectFailure(server, await postChat(server, { messages: [] }), 400, 'INVALID_INPUT');
    expect(error.message).toContain('messages');
  });

  it('a bad role → 400 naming the field', async () => {
    const body = { messages: [userMessage('a'), { role: 'wizard', content: 'b' }, userMessage('c')] };
    const error = await expectFailure(server, await postChat(server, body), 400, 'INVALID_INPUT');
    expect(error.message).toContain('messages[1].role');
  });

  it("model 'gpt-4o' → 400", async () => {
    const response = await postChat(server, { model: 'gpt-4o', messages: [userMessage('hi')] });
    const error = await expectFailure(server, response, 400, 'INVALID_INPUT');
    expect(error.message).toContain('model');
    expect(server.gateway.requests).toHaveLength(0);
  });

  it('the last message not from the user → 400', async () => {
    const body = { messages: [userMessage('hi'), { role: 'assistant', content: 'hello' }] };
    const error = await expectFailure(server, await postChat(server, body), 400, 'INVALID_INPUT');
    expect(error.message).toMatch(/user/);
  });

  it('a blank user message without attachments → 400', async () => {
    const error = await expectFailure(
      server,
      await postChat(server, { messages: [userMessage('   ')] }),
      400,
      'INVALID_INPUT',
    );
    expect(error.message).toMatch(/empty/);
    expect(server.gateway.requests).toHaveLength(0);
  });

  it('the same validation errors come back as JSON for stream:true', async () => {
    const response = await postChat(server, { messages: [], stream: true });
    await expectFailure(server, response, 400, 'INVALID_INPUT');
  });
});

describe('attachment problems', () => {
  const withImage = (image: Record<string, unknown>) => ({
    messages: [userMessage('see')],
    attachments: [{ type: 'image', ...image }],
  });

  it('bad base64 → 400', async () => {
    const response = await postChat(server, withImage({ data: '!!!not base64***', mimeType: 'image/png' }));
    const error = await expectFailure(server, response, 400, 'INVALID_INPUT');
    expect(error.message).toContain('attachments[0]');
    expect(error.message).toMatch(/base64/);
    expect(server.gateway.requests).toHaveLength(0);
  });

  it('image/bmp → 400 listing the allowed types', async () => {
    const response = await postChat(server, withImage({ data: PNG_BASE64, mimeType: 'image/bmp' }));
    const error = await expectFailure(server, response, 400, 'INVALID_INPUT');
    for (const mime of ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/heic', 'image/heif']) {
      expect(error.message).toContain(mime);
    }
  });

  it('PNG bytes declared image/jpeg → 400', async () => {
    const response = await postChat(server, withImage({ data: PNG_BASE64, mimeType: 'image/jpeg' }));
    const error = await expectFailure(server, response, 400, 'INVALID_INPUT');
    expect(error.message).toContain('image/png');
    expect(server.gateway.requests).toHaveLength(0);
  });

  it("the legacy client's file (a wxfile:// url, no data) → 400 saying to send base64 data", async () => {
    const body = {
      messages: [userMessage('read this')],
      attachments: [{ type: 'file', name: 'abc.pdf', url: 'wxfile://tmp/abc.pdf', mimeType: '' }],
    };
    const error = await expectFailure(server, await postChat(server, body), 400, 'INVALID_INPUT');
    expect(error.message).toMatch(/base64/);
    expect(error.message).toContain('data');
    expect(server.gateway.requests).toHaveLength(0);
  });

  it('an image over MAX_IMAGE_BYTES → 413', async () => {
    const big = Buffer.concat([Buffer.from(PNG_BASE64, 'base64'), Buffer.alloc(1200)]).toString('base64');
    const response = await postChat(server, withImage({ data: big, mimeType: 'image/png' }));
    await expectFailure(server, response, 413, 'PAYLOAD_TOO_LARGE');
    expect(server.gateway.requests).toHaveLength(0);
  });
});

describe('gateway failures', () => {
  it('the gateway rejects the request (unknown agent) → 400 UPSTREAM_REJECTED with its message', async () => {
    const response = await postChat(server, { model: 'openclaw/unknownagent', messages: [userMessage('hi')] });
    const error = await expectFailure(server, response, 400, 'UPSTREAM_REJECTED');
    expect(error.message).toContain("Unknown agent 'unknownagent'.");
    expect(server.gateway.requests).toHaveLength(1);
  });

  it('our gateway token is wrong → 502 UPSTREAM_AUTH, not 401', async () => {
    const s = await start({ gateway: { token: 'other' } });
    const error = await expectFailure(s, await postChat(s, hello), 502, 'UPSTREAM_AUTH');
    expect(error.message).not.toContain('other');
  });

  it('the endpoint is disabled → 502 naming the config flag', async () => {
    const s = await start({ gateway: { disabled: ['chatCompletions'] } });
    const error = await expectFailure(s, await postChat(s, hello), 502, 'UPSTREAM_UNAVAILABLE');
    expect(error.message).toContain('gateway.http.endpoints.chatCompletions.enabled');
  });

  it('the responses endpoint is disabled (attachments) → 502 naming its flag', async () => {
    const s = await start({ gateway: { disabled: ['responses'] } });
    const body = {
      messages: [userMessage('see')],
      attachments: [{ type: 'image', data: PNG_BASE64, mimeType: 'image/png' }],
    };
    const error = await expectFailure(s, await postChat(s, body), 502, 'UPSTREAM_UNAVAILABLE');
    expect(error.message).toContain('gateway.http.endpoints.responses.enabled');
  });

  it('FAKE_429 → 429 RATE_LIMITED with retry-after', async () => {
    const response = await postChat(server, { messages: [userMessage('FAKE_429')] });
    const retryAfter = response.headers.get('retry-after');
    await expectFailure(server, response, 429, 'RATE_LIMITED');
    expect(retryAfter).toBe('7');
  });

  it('FAKE_500 → 502 UPSTREAM_FAILED', async () => {
    await expectFailure(
      server,
      await postChat(server, { messages: [userMessage('FAKE_500')] }),
      502,
      'UPSTREAM_FAILED',
    );
  });

  it('FAKE_FAIL_500 → 502 UPSTREAM_FAILED', async () => {
    const response = await postChat(server, { messages: [userMessage('FAKE_FAIL_500')] });
    await expectFailure(server, response, 502, 'UPSTREAM_FAILED');
  });

  it('FAKE_FAIL_500 on /v1/responses (failed Response object) → 502 UPSTREAM_FAILED', async () => {
    const body = {
      messages: [userMessage('FAKE_FAIL_500')],
      attachments: [{ type: 'image', data: PNG_BASE64, mimeType: 'image/png' }],
    };
    await expectFailure(server, await postChat(server, body), 502, 'UPSTREAM_FAILED');
    expect(server.gateway.requests[0]!.path).toBe('/v1/responses');
  });

  it('FAKE_CUT (socket destroyed after the request was sent) without streaming → 502 UPSTREAM_FAILED', async () => {
    const response = await postChat(server, { messages: [userMessage('FAKE_CUT')] });
    const error = await expectError(response, 502, 'UPSTREAM_FAILED');
    expectNoLeak(JSON.stringify(error), server.gateway.url);
    await expectStillServes(server);
  });

  it('the gateway is down → 503 UPSTREAM_UNAVAILABLE', async () => {
    const s = await start({ gatewayUrl: 'http://127.0.0.1:9' });
    const error = await expectFailure(s, await postChat(s, hello), 503, 'UPSTREAM_UNAVAILABLE');
    expectNoLeak(JSON.stringify(error), 'http://127.0.0.1:9');
  });

  it('FAKE_HANG past RUN_TIMEOUT_MS → 504 UPSTREAM_TIMEOUT, and the upstream request is dropped', async () => {
    const s = await start({ env: { RUN_TIMEOUT_MS: '1000' } });
    const error = await expectFailure(
      s,
      await postChat(s, { messages: [userMessage('FAKE_HANG')] }),
      504,
      'UPSTREAM_TIMEOUT',
    );
    expect(error.message.length).toBeGreaterThan(0);
    const upstream = s.gateway.requests[0]!;
    await within(upstream.closed, 'the upstream request outlived the run timeout');
    expect(upstream.closedEarly).toBe(true);
    const after = await postChat(s, hello);
    expect(after.status).toBe(200);
  });

  it('FAKE_SILENT stream past RUN_TIMEOUT_MS → an UPSTREAM_TIMEOUT error frame, no stop chunk', async () => {
    const s = await start({ env: { RUN_TIMEOUT_MS: '1000' } });
    const response = await postChat(s, { messages: [userMessage('FAKE_SILENT')], stream: true });
    expect(response.status).toBe(200);
    const { raw, frames } = await readSse(response);
    const payloads = dataPayloads(frames);
    const errors = payloads.filter((p) => p !== '[DONE]' && p.error !== undefined);
    expect(errors).toEqual([
      {
        error: {
          code: 'UPSTREAM_TIMEOUT',
          message: expect.any(String),
          type: expect.any(String),
          requestId: expect.any(String),
        },
      },
    ]);
    expect(payloads.some((p) => p !== '[DONE]' && p.choices?.[0]?.finish_reason === 'stop')).toBe(false);
    expectNoLeak(raw, s.gateway.url);
    const upstream = s.gateway.requests[0]!;
    await within(upstream.closed, 'the upstream stream outlived the run timeout');
    expect(upstream.closedEarly).toBe(true);
  });
});
