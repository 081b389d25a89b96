/**
 * POST /api/chat against the real server and the fake gateway: the exact upstream bodies and headers,
 * and the exact non-streaming answer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_MEDIA_TEXT } from '../fake-gateway/fake-gateway.ts';
import { gql, SEND_CHAT } from '../helpers/fixtures.ts';
import {
  dataPayloads,
  expectError,
  type Json,
  PDF_BASE64,
  PNG_BASE64,
  postChat,
  readSse,
  TXT_BASE64,
  userMessage,
} from '../helpers/rest.ts';
import { OTHER_API_KEY, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(() => server.gateway.reset());
afterAll(async () => {
  await server.close();
});

const CLIENT_OPENCLAW_HEADERS = {
  'x-openclaw-session-key': 'agent:main:stolen-session',
  'x-openclaw-agent-id': 'helper',
  'x-openclaw-model': 'fake/expensive-model',
  'x-openclaw-message-channel': 'evil',
};

function expectOwnHeadersOnly(headers: Record<string, string>, sessionKey?: string): void {
  expect(headers.authorization).toBe('Bearer fake-token');
  expect(headers['x-api-key']).toBeUndefined();
  expect(headers['x-openclaw-agent-id']).toBeUndefined();
  expect(headers['x-openclaw-model']).toBeUndefined();
  expect(headers['x-openclaw-message-channel']).toBeUndefined();
  expect(headers['x-openclaw-session-key']).toBe(sessionKey);
}

async function okJson(response: Response): Promise<Json> {
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text);
}

describe('text turns go to /v1/chat/completions', () => {
  const history = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'first question' },
    { role: 'assistant', content: 'first answer' },
    { role: 'user', content: 'second question' },
  ];

  it('stateless: the whole history, stream:false, our bearer token, no client x-openclaw-* header', async () => {
    const response = await postChat(
      server,
      { model: 'openclaw', messages: history },
      { headers: CLIENT_OPENCLAW_HEADERS },
    );
    const body = await okJson(response);
    expect(server.gateway.requests).toHaveLength(1);
    const upstream = server.gateway.requests[0]!;
    expect(upstream.path).toBe('/v1/chat/completions');
    expect(upstream.body).toEqual({ model: 'openclaw', messages: history, stream: false });
    expectOwnHeadersOnly(upstream.headers);
    // The agent really was the default one (the fake would have answered under `helper` otherwise).
    expect(body.choices[0].message.content).toMatch(/session=agent:main:openai:/);
  });

  it('stateless streaming adds stream_options.include_usage', async () => {
    const response = await postChat(server, { messages: history, stream: true }, { headers: CLIENT_OPENCLAW_HEADERS });
    expect(response.status).toBe(200);
    await readSse(response);
    const upstream = server.gateway.requests[0]!;
    expect(upstream.path).toBe('/v1/chat/completions');
    expect(upstream.body).toEqual({
      model: 'openclaw',
      messages: history,
      stream: true,
      stream_options: { include_usage: true },
    });
    expectOwnHeadersOnly(upstream.headers);
  });

  it('with `user`: a derived session key, and only system messages + the new turn', async () => {
    const messages = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'old question' },
      { role: 'assistant', content: 'old answer' },
      { role: 'system', content: 'late system note' },
      { role: 'user', content: 'new question' },
    ];
    const first = await okJson(
      await postChat(server, { messages, user: 'oPenId_ABC' }, { headers: CLIENT_OPENCLAW_HEADERS }),
    );
    const upstream = server.gateway.requests[0]!;
    const key = upstream.headers['x-openclaw-session-key'];
    expect(key).toMatch(/^minipro-/);
    expect(key).not.toContain('stolen');
    expect(key?.toLowerCase()).not.toContain('openid_abc');
    expectOwnHeadersOnly(upstream.headers, key);
    expect(upstream.body).toEqual({
      model: 'openclaw',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'system', content: 'late system note' },
        { role: 'user', content: 'new question' },
      ],
      stream: false,
    });
    expect(upstream.body.user).toBeUndefined();
    expect(first.choices[0].message.content).toContain('history=0');

    // The same user and key: the same session (the gateway now holds one earlier turn).
    const second = await okJson(await postChat(server, { messages: [userMessage('again')], user: 'oPenId_ABC' }));
    expect(server.gateway.requests[1]!.headers['x-openclaw-session-key']).toBe(key);
    expect(second.choices[0].message.content).toContain('history=1');

    // Another API key, same user: another session.
    await okJson(
      await postChat(server, { messages: [userMessage('hi')], user: 'oPenId_ABC' }, { apiKey: OTHER_API_KEY }),
    );
    const otherKey = server.gateway.requests[2]!.headers['x-openclaw-session-key'];
    expect(otherKey).toMatch(/^minipro-/);
    expect(otherKey).not.toBe(key);

    // Same key, user differing only in case (WeChat openids are case-sensitive): another session.
    await okJson(await postChat(server, { messages: [userMessage('hi')], user: 'openid_abc' }));
    const lowerKey = server.gateway.requests[3]!.headers['x-openclaw-session-key'];
    expect(lowerKey).toMatch(/^minipro-/);
    expect(lowerKey).not.toBe(key);
    expect(lowerKey).not.toBe(otherKey);
  });

  it('with `user` and no assistant turn yet, every message is the new turn', async () => {
    const messages = [
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'hello' },
    ];
    await okJson(await postChat(server, { messages, user: 'u-first-turn', stream: false }));
    expect(server.gateway.requests[0]!.body).toEqual({ model: 'openclaw', messages, stream: false });
  });
});

describe('attachments go to /v1/responses', () => {
  const earlier = [
    { role: 'system', content: 'Describe files.' },
    { role: 'user', content: 'look at this' },
    { role: 'assistant', content: 'ok, send it' },
  ];
  const attachments = [
    { type: 'image', data: PNG_BASE64, mimeType: 'image/png' },
    { type: 'file', name: 'doc.pdf', data: PDF_BASE64, mimeType: 'application/pdf' },
    { type: 'file', name: 'notes.txt', data: TXT_BASE64, mimeType: 'text/plain' },
  ];
  const expectedInput = [
    { type: 'message', role: 'system', content: 'Describe files.' },
    { type: 'message', role: 'user', content: 'look at this' },
    { type: 'message', role: 'assistant', content: 'ok, send it' },
    {
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: 'what is in these?' },
        { type: 'input_image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
        {
          type: 'input_file',
          source: { type: 'base64', media_type: 'application/pdf', data: PDF_BASE64, filename: 'doc.pdf' },
        },
        {
          type: 'input_file',
          source: { type: 'base64', media_type: 'text/plain', data: TXT_BASE64, filename: 'notes.txt' },
        },
      ],
    },
  ];

  it('non-streaming: message items with input_text, input_image and input_file parts', async () => {
    const response = await postChat(
      server,
      { model: 'openclaw', messages: [...earlier, userMessage('what is in these?')], attachments },
      { headers: CLIENT_OPENCLAW_HEADERS },
    );
    const body = await okJson(response);
    expect(server.gateway.requests).toHaveLength(1);
    const upstream = server.gateway.requests[0]!;
    expect(upstream.path).toBe('/v1/responses');
    expect(upstream.body).toEqual({ model: 'openclaw', input: expectedInput, stream: false });
    expectOwnHeadersOnly(upstream.headers);
    expect(body.choices[0].message.content).toContain('images=1 files=2');
    expect(body.choices[0].finish_reason).toBe('stop');
    expect(body.usage).toEqual({
      input_tokens: expect.any(Number),
      output_tokens: expect.any(Number),
      total_tokens: expect.any(Number),
    });
    expect(body.usage.input_tokens).toBeGreaterThan(0);
    expect(body.usage.total_tokens).toBe(body.usage.input_tokens + body.usage.output_tokens);
  });

  it('streaming: the same body with stream:true', async () => {
    const response = await postChat(server, {
      messages: [...earlier, userMessage('what is in these?')],
      attachments,
      stream: true,
    });
    expect(response.status).toBe(200);
    const { frames } = await readSse(response);
    const upstream = server.gateway.requests[0]!;
    expect(upstream.path).toBe('/v1/responses');
    expect(upstream.body).toEqual({ model: 'openclaw', input: expectedInput, stream: true });
    const chunks = dataPayloads(frames).filter((p) => p !== '[DONE]');
    const text = chunks.map((c: Json) => c.choices?.[0]?.delta?.content ?? '').join('');
    expect(text).toContain('images=1 files=2');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
  });

  it('an image alone (no text) is a user message with only the image part', async () => {
    await okJson(
      await postChat(server, {
        messages: [userMessage('')],
        attachments: [{ type: 'image', data: PNG_BASE64, mimeType: 'image/png' }],
      }),
    );
    expect(server.gateway.requests[0]!.body).toEqual({
      model: 'openclaw',
      input: [
        {
          type: 'message',
          role: 'user',
          content: [{ type: 'input_image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } }],
        },
      ],
      stream: false,
    });
  });
});

describe('an image sent as a data: URL without mimeType', () => {
  const dataUrl = `data:image/png;base64,${PNG_BASE64}`;
  const expectPngUpstream = () => {
    const upstream = server.gateway.requests.at(-1)!;
    expect(upstream.path).toBe('/v1/responses');
    expect(upstream.body.input.at(-1).content.at(-1)).toEqual({
      type: 'input_image',
      source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 },
    });
  };

  it('REST and tRPC take the type from the data URL', async () => {
    await okJson(
      await postChat(server, { messages: [userMessage('see')], attachments: [{ type: 'image', data: dataUrl }] }),
    );
    expectPngUpstream();
    const trpc = await fetch(`${server.baseUrl}/trpc/chat.send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
      body: JSON.stringify({ messages: [userMessage('see')], attachments: [{ type: 'image', data: dataUrl }] }),
    });
    expect(trpc.status, await trpc.clone().text()).toBe(200);
    expectPngUpstream();
  });

  it('GraphQL takes the type from the data URL', async () => {
    const response = await gql(
      server.baseUrl,
      SEND_CHAT,
      { input: { messages: [userMessage('see')], attachments: [{ image: { data: dataUrl } }] } },
      { apiKey: server.apiKey },
    );
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    expectPngUpstream();
  });

  it('plain base64 without mimeType is refused with a hint', async () => {
    const response = await postChat(server, {
      messages: [userMessage('see')],
      attachments: [{ type: 'image', data: PNG_BASE64 }],
    });
    const error = await expectError(response, 400, 'INVALID_INPUT');
    expect(error.message).toContain('data: URL');
    expect(server.gateway.requests).toHaveLength(0);
  });
});

describe('the non-streaming answer', () => {
  it('has exactly the OpenAI-like shape plus usage names, attachments and the AI label, with run and request ids', async () => {
    const response = await postChat(server, { messages: [userMessage('hello there')] });
    const body = await okJson(response);
    const runId = response.headers.get('x-run-id');
    expect(runId).toBeTruthy();
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toEqual({
      id: expect.any(String),
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'openclaw',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: expect.stringMatching(/^ECHO: hello there \| images=0 files=0 history=0 /),
          },
          finish_reason: 'stop',
        },
      ],
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number), total_tokens: expect.any(Number) },
      attachments: [],
      aiGenerated: true,
      label: '内容由AI生成',
    });
    expect(body.id).toContain(runId);
    expect(Number.isInteger(body.created)).toBe(true);
    expect(Math.abs(body.created - Date.now() / 1000)).toBeLessThan(600);
    expect(body.usage.output_tokens).toBeGreaterThan(0);
    expect(body.usage.total_tokens).toBe(body.usage.input_tokens + body.usage.output_tokens);
  });

  it('echoes a client-chosen x-request-id', async () => {
    const response = await postChat(
      server,
      { messages: [userMessage('hi')] },
      { headers: { 'x-request-id': 'req-abc.123' } },
    );
    await okJson(response);
    expect(response.headers.get('x-request-id')).toBe('req-abc.123');
  });

  it('model openclaw/<agent> is passed to the gateway and echoed', async () => {
    const body = await okJson(await postChat(server, { model: 'openclaw/helper', messages: [userMessage('hi')] }));
    expect(server.gateway.requests[0]!.body.model).toBe('openclaw/helper');
    expect(body.model).toBe('openclaw/helper');
    expect(body.choices[0].message.content).toContain('session=agent:helper:');
  });

  it('FAKE_MEDIA: links and image URLs in the answer become attachments', async () => {
    const body = await okJson(await postChat(server, { messages: [userMessage('draw FAKE_MEDIA')] }));
    expect(body.choices[0].message.content.startsWith(FAKE_MEDIA_TEXT)).toBe(true);
    expect(body.attachments).toEqual([
      { type: 'image', url: 'https://example.com/chart.png', name: 'chart' },
      { type: 'file', url: 'https://example.com/report.pdf', name: 'report' },
      { type: 'image', url: 'https://example.com/photo.jpg' },
    ]);
  });
});

describe('the legacy clawtop-minipro client', () => {
  it("its exact request (X-Api-Key, model 'openclaw', system + history, stream:false) works unchanged", async () => {
    const messages = [
      { role: 'system', content: '你是一个有帮助的助手。' },
      { role: 'user', content: '你好' },
      { role: 'assistant', content: '你好！有什么可以帮你？' },
      { role: 'user', content: '讲个笑话' },
    ];
    const response = await fetch(`${server.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': server.apiKey },
      body: JSON.stringify({ model: 'openclaw', messages, stream: false }),
    });
    expect(response.status).toBe(200);
    const data = await response.json();
    expect(data.error?.message).toBeUndefined();
    const content = data.choices[0].message.content;
    expect(typeof content).toBe('string');
    expect(content).toContain('讲个笑话');
    expect(content).toContain('history=0');
    const upstream = server.gateway.requests[0]!;
    expect(upstream.path).toBe('/v1/chat/completions');
    expect(upstream.body).toEqual({ model: 'openclaw', messages, stream: false });
    expect(upstream.headers.authorization).toBe('Bearer fake-token');
    expect(upstream.headers['x-openclaw-session-key']).toBeUndefined();
  });
});
