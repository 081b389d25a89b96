import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_CHINESE_TEXT, type FakeGateway, type FakeGatewayOptions, startFakeGateway } from './fake-gateway.ts';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON in assertions
type Json = any;

const TOKEN = 'fake-token';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const MiB = 1024 * 1024;

let gw: FakeGateway;
const extra: FakeGateway[] = [];

beforeAll(async () => {
  gw = await startFakeGateway();
});
afterEach(() => gw.reset());
afterAll(async () => {
  await gw.close();
  await Promise.all(extra.map((g) => g.close()));
});

async function startExtra(options: FakeGatewayOptions): Promise<FakeGateway> {
  const g = await startFakeGateway(options);
  extra.push(g);
  return g;
}

interface PostOptions {
  headers?: Record<string, string>;
  token?: string | null;
  signal?: AbortSignal;
  base?: FakeGateway;
}

function post(path: string, body: unknown, opts: PostOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  const token = opts.token === undefined ? TOKEN : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return fetch(`${(opts.base ?? gw).url}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: opts.signal,
  });
}

const chat = (content: unknown, extraBody: Record<string, unknown> = {}, opts?: PostOptions) =>
  post(
    '/v1/chat/completions',
    { model: 'openclaw/default', messages: [{ role: 'user', content }], ...extraBody },
    opts,
  );
const responses = (input: unknown, extraBody: Record<string, unknown> = {}, opts?: PostOptions) =>
  post('/v1/responses', { model: 'openclaw/default', input, ...extraBody }, opts);

interface SseEvent {
  event?: string;
  data: string;
}

function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    if (block === '') continue;
    const ev: SseEvent = { data: '' };
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) ev.event = line.slice(7);
      else if (line.startsWith('data: ')) ev.data = line.slice(6);
      else throw new Error(`unexpected SSE line: ${line}`);
    }
    events.push(ev);
  }
  return events;
}

async function errorOf(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return (await res.json()) as { error: { message: string; type: string } };
}

/** Incremental reader over a streamed body. */
function bodyReader(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    /** All text received so far (also after a read failed). */
    get text(): string {
      return text;
    },
    /** Reads until `predicate(textSoFar)` holds (or the body ends); returns all text so far. */
    async until(predicate: (text: string) => boolean): Promise<string> {
      while (!predicate(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      return text;
    },
    rest(): Promise<string> {
      return this.until(() => false);
    },
  };
}

const readUntil = (res: Response, predicate: (text: string) => boolean) => bodyReader(res).until(predicate);

const b64 = (bytes: number) => Buffer.alloc(bytes, 1).toString('base64');
const PNG_4X4 = 'iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGP4z8AARwzEcQCukw/x0F8jngAAAABJRU5ErkJggg==';
const imagePart = { type: 'input_image', source: { type: 'base64', media_type: 'image/png', data: PNG_4X4 } };
const filePart = {
  type: 'input_file',
  source: { type: 'base64', media_type: 'text/plain', data: b64(20), filename: 'a.txt' },
};
const message = (role: string, content: unknown) => ({ type: 'message', role, content });

describe('health, models, routing', () => {
  it('answers /healthz and /readyz without auth', async () => {
    const h = await fetch(`${gw.url}/healthz`);
    expect(h.status).toBe(200);
    expect(h.headers.get('cache-control')).toBe('no-store');
    expect(await h.text()).toBe('{"ok":true,"status":"live"}');
    const r = await fetch(`${gw.url}/readyz`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { ready: boolean }).ready).toBe(true);
  });

  it('lists models with auth only', async () => {
    const ok = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { object: string; data: Array<{ id: string; object: string }> };
    expect(body.object).toBe('list');
    expect(body.data[0]).toMatchObject({ id: 'openclaw', object: 'model' });
    const denied = await fetch(`${gw.url}/v1/models`);
    expect(denied.status).toBe(401);
  });

  it('answers 405 text/plain with Allow: POST for GET on the endpoints', async () => {
    for (const path of ['/v1/chat/completions', '/v1/responses']) {
      const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toBe('Method Not Allowed');
    }
    expect(gw.requests).toHaveLength(0); // only POSTs are recorded
  });

  it('answers 401 like capture 06a for a wrong or missing bearer, also for streams', async () => {
    const wrong = await chat('x', { stream: true }, { token: 'WRONG' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toBe('{"error":{"message":"Unauthorized","type":"unauthorized"}}');
    const missing = await responses('x', {}, { token: null });
    expect(missing.status).toBe(401);
    expect(await errorOf(missing)).toEqual({ error: { message: 'Unauthorized', type: 'unauthorized' } });
    expect(gw.requests).toHaveLength(2);
    expect(gw.requests[0]!.headers.authorization).toBe('Bearer WRONG');
  });

  it('answers 404 text/plain for a disabled endpoint before checking auth', async () => {
    const g = await startExtra({ disabled: ['chatCompletions'], token: 'other' });
    const res = await chat('x', {}, { base: g, token: 'WRONG' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe('Not Found');
    expect((await responses('x', {}, { base: g, token: 'other' })).status).toBe(200);
    const models = await fetch(`${g.url}/v1/models`, { headers: { authorization: 'Bearer other' } });
    expect(models.status).toBe(200);

    const both = await startExtra({ disabled: ['chatCompletions', 'responses'] });
    const none = await fetch(`${both.url}/v1/models`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(none.status).toBe(404);
  });

  it('answers malformed JSON with the JSON.parse message and records body undefined', async () => {
    const res = await post('/v1/chat/completions', '{"model":"openclaw","messages":[');
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toEqual({
      error: { message: 'Unexpected end of JSON input', type: 'invalid_request_error' },
    });
    const rec = gw.last()!;
    expect(rec.body).toBeUndefined();
    expect(rec.bodyBytes).toBe(32);
  });

  it('answers 413 with Connection: close over 20 MiB and records the request without a body', async () => {
    const content = 'x'.repeat(20 * MiB);
    const res = await chat(content);
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.text()).toBe('{"error":{"message":"Payload too large","type":"invalid_request_error"}}');
    const [rec] = await gw.waitForRequests(1);
    expect(rec!.body).toBeUndefined();
    expect(rec!.bodyBytes).toBeGreaterThan(20 * MiB);
    // a body just under the limit is accepted
    const ok = await chat('x'.repeat(20 * MiB - 200));
    expect(ok.status).toBe(200);
    await ok.text();
  });
});

describe('POST /v1/chat/completions', () => {
  it('answers non-stream like capture 01', async () => {
    const body = {
      model: 'openclaw/default',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello world' },
      ],
    };
    const res = await post('/v1/chat/completions', body);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('keep-alive')).toBe('timeout=5');
    const json = (await res.json()) as Json;
    expect(Object.keys(json)).toEqual(['id', 'object', 'created', 'model', 'choices', 'usage']);
    expect(json.id).toMatch(new RegExp(`^chatcmpl_${UUID}$`));
    expect(json.object).toBe('chat.completion');
    expect(json.model).toBe('openclaw/default');
    expect(Math.abs(json.created - Date.now() / 1000)).toBeLessThan(5);
    expect(json.choices).toHaveLength(1);
    expect(json.choices[0].finish_reason).toBe('stop');
    expect(json.choices[0].message.role).toBe('assistant');
    expect(json.choices[0].message.content).toMatch(
      new RegExp(`^ECHO: hello world \\| images=0 files=0 history=0 session=agent:main:openai:${UUID}$`),
    );
    const bytes = Buffer.byteLength(JSON.stringify(body));
    expect(json.usage).toEqual({
      prompt_tokens: Math.ceil(bytes / 4) + 11500,
      completion_tokens: 8,
      total_tokens: Math.ceil(bytes / 4) + 11508,
    });
    const rec = gw.last()!;
    expect(rec.method).toBe('POST');
    expect(rec.path).toBe('/v1/chat/completions');
    expect(rec.body).toEqual(body);
    expect(rec.bodyBytes).toBe(bytes);
    expect(rec.headers['content-type']).toBe('application/json');
    await rec.closed;
    expect(rec.closedEarly).toBe(false);
  });

  it('streams like capture 02 (role chunk, word deltas, finish chunk, [DONE], no usage)', async () => {
    const res = await chat('stream me please', { stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const events = parseSse(await res.text());
    expect(events.every((e) => e.event === undefined)).toBe(true);
    expect(events.at(-1)!.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    const id = chunks[0].id;
    expect(id).toMatch(new RegExp(`^chatcmpl_${UUID}$`));
    for (const c of chunks) {
      expect(Object.keys(c)).toEqual(['id', 'object', 'created', 'model', 'choices']);
      expect(c).toMatchObject({ id, object: 'chat.completion.chunk', model: 'openclaw/default' });
    }
    expect(chunks[0].choices).toEqual([{ index: 0, delta: { role: 'assistant' }, finish_reason: null }]);
    expect(chunks.at(-1).choices).toEqual([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    const deltas = chunks.slice(1, -1).map((c) => {
      expect(c.choices[0].finish_reason).toBeNull();
      return c.choices[0].delta.content as string;
    });
    expect(deltas.slice(0, 5)).toEqual(['ECHO:', ' stream', ' me', ' please', ' |']);
    expect(deltas.join('')).toMatch(/^ECHO: stream me please \| images=0 files=0 history=0 session=agent:main:openai:/);
  });

  it('adds the usage chunk (choices: []) only with stream_options.include_usage', async () => {
    const res = await chat('stream me with usage', { stream: true, stream_options: { include_usage: true } });
    const events = parseSse(await res.text());
    expect(events.at(-1)!.data).toBe('[DONE]');
    const usage = JSON.parse(events.at(-2)!.data);
    const finish = JSON.parse(events.at(-3)!.data);
    expect(finish.choices[0].finish_reason).toBe('stop');
    expect(usage.choices).toEqual([]);
    expect(usage.usage.completion_tokens).toBe(events.length - 4);
    expect(usage.usage.total_tokens).toBe(usage.usage.prompt_tokens + usage.usage.completion_tokens);
    expect(usage.usage.prompt_tokens).toBe(Math.ceil(gw.last()!.bodyBytes / 4) + 11500);
  });

  it('accepts the agent model forms and echoes the model; defaults to openclaw', async () => {
    for (const model of ['openclaw', 'openclaw/default', 'openclaw/main', 'openclaw:helper', 'agent:main']) {
      const res = await post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'x' }] });
      expect(res.status).toBe(200);
      const json = (await res.json()) as Json;
      expect(json.model).toBe(model);
      const agent = model.endsWith('helper') ? 'helper' : 'main';
      expect(json.choices[0].message.content).toContain(`session=agent:${agent}:openai:`);
    }
    const res = await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'no model field' }] });
    expect(((await res.json()) as Json).model).toBe('openclaw');
  });

  it('rejects a non-agent model, an unknown agent and a missing user message', async () => {
    const bad = await post('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).error).toEqual({
      message: 'Invalid `model`. Use `openclaw` or `openclaw/<agentId>`.',
      type: 'invalid_request_error',
    });
    const unknown = await post('/v1/chat/completions', {
      model: 'openclaw/nosuchagent',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect((await errorOf(unknown)).error.message).toBe("Unknown agent 'nosuchagent'.");
    const header = await chat('x', {}, { headers: { 'x-openclaw-agent-id': 'support' } });
    expect((await errorOf(header)).error.message).toBe("Unknown agent 'support'.");
    for (const body of ['', { model: 'openclaw' }, { messages: [{ role: 'assistant', content: 'hi' }] }]) {
      const res = await post('/v1/chat/completions', body);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).error).toEqual({
        message: 'Missing user message in `messages`.',
        type: 'invalid_request_error',
      });
    }
    const temp = await chat('x', { temperature: 5 });
    expect((await errorOf(temp)).error.message).toBe('`temperature` must be between 0 and 2.');
  });

  it('counts image_url data URLs of the last user message and rejects bad images', async () => {
    const img = { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_4X4}` } };
    const res = await chat([{ type: 'text', text: 'describe this image' }, img]);
    expect(((await res.json()) as Json).choices[0].message.content).toMatch(
      /^ECHO: describe this image \| images=1 files=0 /,
    );
    const only = await chat([{ type: 'image_url', image_url: `data:image/jpeg;base64,${PNG_4X4}` }]);
    expect(((await only.json()) as Json).choices[0].message.content).toMatch(
      /^ECHO: User sent image\(s\) with no text\. \| images=1 /,
    );
    const invalid = [
      Array.from({ length: 9 }, () => img),
      [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }],
      [{ type: 'image_url', image_url: { url: `data:image/bmp;base64,${PNG_4X4}` } }],
      [{ type: 'image_url', image_url: { url: `data:image/png;base64,${b64(10 * MiB + 1)}` } }],
    ];
    for (const content of invalid) {
      const bad = await chat([{ type: 'text', text: 'x' }, ...content]);
      expect(bad.status).toBe(400);
      expect((await errorOf(bad)).error.message).toBe('Invalid image_url content in `messages`.');
    }
  });

  it('keeps multi-byte text intact', async () => {
    const res = await chat('你好 世界 🚀', { stream: true });
    const events = parseSse(await res.text());
    const text = events
      .slice(1, -2)
      .map((e) => JSON.parse(e.data).choices[0].delta.content)
      .join('');
    expect(text).toMatch(/^ECHO: 你好 世界 🚀 \| images=0/);
  });

  it('flattens resent history into the current message like the real gateway (10o)', async () => {
    const res = await post('/v1/chat/completions', {
      messages: [
        { role: 'user', content: 'my name is Li' },
        { role: 'assistant', content: 'hi Li' },
        { role: 'user', content: 'third turn' },
      ],
    });
    expect(((await res.json()) as Json).choices[0].message.content).toMatch(
      /^ECHO: \[Chat messages since your last reply - for context\] User: my name is Li Assistant: hi Li \[Current message - respond to this\] User: third turn \| images=0 files=0 history=0 /,
    );
  });
});

describe('POST /v1/responses', () => {
  it('answers non-stream like capture 03', async () => {
    const res = await post('/v1/responses', { model: 'openclaw', input: 'hi from responses' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const json = (await res.json()) as Json;
    expect(Object.keys(json)).toEqual(['id', 'object', 'created_at', 'status', 'model', 'output', 'usage']);
    expect(json.id).toMatch(new RegExp(`^resp_${UUID}$`));
    expect(json).toMatchObject({ object: 'response', status: 'completed', model: 'openclaw' });
    expect(json.output).toHaveLength(1);
    const item = json.output[0];
    expect(Object.keys(item)).toEqual(['type', 'id', 'role', 'content', 'phase', 'status']);
    expect(item.id).toMatch(new RegExp(`^msg_${UUID}$`));
    expect(item).toMatchObject({ type: 'message', role: 'assistant', phase: 'final_answer', status: 'completed' });
    expect(item.content).toHaveLength(1);
    expect(Object.keys(item.content[0])).toEqual(['type', 'text']);
    expect(item.content[0].text).toMatch(
      new RegExp(`^ECHO: hi from responses \\| images=0 files=0 history=0 session=agent:main:openresponses:${UUID}$`),
    );
    const prompt = Math.ceil(gw.last()!.bodyBytes / 4) + 11500;
    expect(json.usage).toEqual({
      input_tokens: prompt,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 9,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: prompt + 9,
    });
  });

  it('streams like capture 05', async () => {
    const res = await responses('stream responses please', { stream: true });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const events = parseSse(await res.text());
    expect(events.at(-1)).toEqual({ data: '[DONE]' });
    const typed = events.slice(0, -1);
    const deltaCount = typed.length - 8;
    expect(typed.map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array.from({ length: deltaCount }, () => 'response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const data = typed.map((e) => JSON.parse(e.data));
    data.forEach((d, i) => {
      expect(d.type).toBe(typed[i]!.event);
      expect(d.sequence_number).toBeUndefined();
    });
    const [created, inProgress, itemAdded, partAdded] = data;
    expect(created.response).toMatchObject({ status: 'in_progress', output: [], model: 'openclaw/default' });
    expect(created.response.usage.total_tokens).toBe(0);
    expect(inProgress.response).toEqual(created.response);
    const msgId = itemAdded.item.id;
    expect(msgId).toMatch(new RegExp(`^msg_${UUID}$`));
    expect(itemAdded).toEqual({
      type: 'response.output_item.added',
      output_index: 0,
      item: { type: 'message', id: msgId, role: 'assistant', content: [], status: 'in_progress' },
    });
    expect(partAdded).toEqual({
      type: 'response.content_part.added',
      item_id: msgId,
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', text: '' },
    });
    const deltas = data.slice(4, 4 + deltaCount);
    for (const d of deltas)
      expect(Object.keys(d)).toEqual(['type', 'item_id', 'output_index', 'content_index', 'delta']);
    const text = deltas.map((d) => d.delta).join('');
    expect(deltas.slice(0, 3).map((d) => d.delta)).toEqual(['ECHO:', ' stream', ' responses']);
    const [textDone, partDone, itemDone, completed] = data.slice(-4);
    expect(textDone.text).toBe(text);
    expect(partDone.part).toEqual({ type: 'output_text', text });
    expect(itemDone.item).toEqual({
      type: 'message',
      id: msgId,
      role: 'assistant',
      content: [{ type: 'output_text', text }],
      phase: 'final_answer',
      status: 'completed',
    });
    expect(completed.response.id).toBe(created.response.id);
    expect(completed.response.status).toBe('completed');
    expect(completed.response.output).toEqual([itemDone.item]);
    expect(completed.response.usage.output_tokens).toBe(deltaCount);
  });

  it('validates the top level strictly', async () => {
    const cases: Array<[unknown, string]> = [
      [{ model: 'openclaw', input: 'x', parallel_tool_calls: false }, ': Unrecognized key: "parallel_tool_calls"'],
      [{ input: 'x' }, 'model: Invalid input: expected string, received undefined'],
      [{ model: 'openclaw' }, 'input: Invalid input'],
      [{ model: 'gpt-4o', input: 'x' }, 'Invalid `model`. Use `openclaw` or `openclaw/<agentId>`.'],
      [{ model: 'openclaw/nope', input: 'x' }, "Unknown agent 'nope'."],
      [
        { model: 'openclaw', input: 'x', text: { format: { type: 'json_schema' } } },
        'text.format.type: Invalid input: expected "text"',
      ],
      [{ model: 'openclaw', input: '  ' }, 'Missing user message in `input`.'],
    ];
    for (const [body, message] of cases) {
      const res = await post('/v1/responses', body);
      expect(res.status, message).toBe(400);
      expect((await errorOf(res)).error).toEqual({ message, type: 'invalid_request_error' });
    }
    const allowed = await post('/v1/responses', {
      model: 'openclaw',
      input: 'x',
      instructions: 'be brief',
      stream: false,
      max_output_tokens: 256,
      temperature: 1,
      top_p: 1,
      user: 'u',
      tools: [],
      tool_choice: 'auto',
      text: { format: { type: 'text' } },
      reasoning: { effort: 'low' },
      metadata: { a: 'b' },
      store: false,
      max_tool_calls: 1,
      truncation: 'auto',
    });
    expect(allowed.status).toBe(200);
    await allowed.text();
  });

  it('rejects input items and parts outside the OpenClaw schema with "input: Invalid input"', async () => {
    const invalid: unknown[] = [
      [{ role: 'user', content: 'x' }],
      [message('tool', 'x')],
      [
        message('user', [
          { type: 'input_text', text: 'x' },
          { type: 'input_image', image_url: `data:image/png;base64,${PNG_4X4}` },
        ]),
      ],
      [message('user', [{ type: 'input_image', source: { type: 'base64', media_type: 'image/bmp', data: 'Qk0=' } }])],
      [message('user', [{ type: 'text', text: 'x' }])],
      [{ ...message('user', 'x'), extra: 1 }],
      42,
    ];
    for (const input of invalid) {
      const res = await responses(input);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).error.message).toBe('input: Invalid input');
    }
  });

  it('answers the generic "invalid request" for oversized or unsupported media in the last user item', async () => {
    const bad = [
      {
        type: 'input_file',
        source: { type: 'base64', media_type: 'application/zip', data: 'UEsDBA==', filename: 'a.zip' },
      },
      { type: 'input_image', source: { type: 'base64', media_type: 'image/png', data: b64(10 * MiB + 3) } },
      {
        type: 'input_file',
        source: { type: 'base64', media_type: 'application/pdf', data: b64(5 * MiB + 3), filename: 'a.pdf' },
      },
      { type: 'input_image', source: { type: 'url', url: 'http://127.0.0.1:18999/healthz' } },
    ];
    for (const part of bad) {
      const res = await responses([message('user', [{ type: 'input_text', text: 'x' }, part])]);
      expect(res.status).toBe(400);
      expect(await res.text()).toBe('{"error":{"message":"invalid request","type":"invalid_request_error"}}');
    }
    // exactly at the limits is fine
    const atLimits = [
      { type: 'input_image', source: { type: 'base64', media_type: 'image/webp', data: b64(10 * MiB) } },
      { type: 'input_file', source: { type: 'base64', media_type: 'text/csv', data: b64(5 * MiB), filename: 'a.csv' } },
    ];
    for (const part of atLimits) {
      const ok = await responses([message('user', [{ type: 'input_text', text: 'x' }, part])]);
      expect(ok.status).toBe(200);
      await ok.text();
    }
  });

  it('counts images and files only from the last user item and flattens history (04, 04b)', async () => {
    const res = await responses([
      message('system', 'be nice'),
      message('user', [{ type: 'input_text', text: 'earlier question' }, imagePart, imagePart]),
      message('assistant', [{ type: 'output_text', text: 'earlier answer' }]),
      message('user', [{ type: 'input_text', text: 'What is in this image and this PDF?' }, imagePart, filePart]),
    ]);
    const json = (await res.json()) as Json;
    expect(json.output[0].content[0].text).toMatch(
      /^ECHO: \[Chat messages since your last reply - for context\] User: earlier question Assistant: earlier answer \[Current message - respond to this\] User: What is in this image and this PDF\? \| images=1 files=1 history=0 /,
    );
    const imageOnly = await responses([message('user', [imagePart])]);
    expect(((await imageOnly.json()) as Json).output[0].content[0].text).toMatch(
      /^ECHO: User sent image\(s\) with no text\. \| images=1 files=0 /,
    );
    const fileOnly = await responses([message('user', [filePart])]);
    expect(((await fileOnly.json()) as Json).output[0].content[0].text).toMatch(
      /^ECHO: User sent file\(s\) with no text\. \| images=0 files=1 /,
    );
    const assistantOnly = await responses([message('assistant', 'hi')]);
    expect(((await assistantOnly.json()) as Json).output[0].content[0].text).toMatch(/^ECHO: hi \| /);
  });
});

describe('sessions', () => {
  const echoOf = async (res: Response): Promise<string> => {
    const json = (await res.json()) as Json;
    return json.choices ? json.choices[0].message.content : json.output[0].content[0].text;
  };

  it('keys sessions by the lowercased header, shared across endpoints, and counts history', async () => {
    const headers = { 'x-openclaw-session-key': 'wechat:o6_bmjrPTlm6_2sgVt7hMZOPfL2M:conv-1' };
    const session = 'session=agent:main:wechat:o6_bmjrptlm6_2sgvt7hmzopfl2m:conv-1';
    expect(await echoOf(await chat('session key turn 1', {}, { headers }))).toBe(
      `ECHO: session key turn 1 | images=0 files=0 history=0 ${session}`,
    );
    expect(await echoOf(await responses('turn 2 via responses', {}, { headers }))).toContain(`history=1 ${session}`);
    expect(await echoOf(await chat('header beats user', { user: 'ignored' }, { headers }))).toContain(
      `history=2 ${session}`,
    );
    gw.reset();
    expect(await echoOf(await chat('after reset', {}, { headers }))).toContain(`history=0 ${session}`);
  });

  it('keys `user` sessions per endpoint, lowercased', async () => {
    expect(await echoOf(await chat('a', { user: 'WX-Conv-MiXeD' }))).toContain(
      'history=0 session=agent:main:openai-user:wx-conv-mixed',
    );
    expect(await echoOf(await chat('b', { user: 'wx-conv-mixed' }))).toContain(
      'history=1 session=agent:main:openai-user:wx-conv-mixed',
    );
    expect(await echoOf(await responses('c', { user: 'wx-conv-mixed' }))).toContain(
      'history=0 session=agent:main:openresponses-user:wx-conv-mixed',
    );
  });

  it('continues a session with previous_response_id; unknown ids start fresh', async () => {
    const first = (await (await responses('prev id turn 1')).json()) as Json;
    const session = /session=(\S+)$/.exec(first.output[0].content[0].text)![1];
    expect(await echoOf(await responses('turn 2', { previous_response_id: first.id }))).toContain(
      `history=1 session=${session}`,
    );
    const fresh = await echoOf(await responses('unknown', { previous_response_id: 'resp_doesnotexist' }));
    expect(fresh).toContain('history=0 session=agent:main:openresponses:');
    expect(fresh).not.toContain(session);
  });

  it('rejects reserved session namespaces', async () => {
    const res = await chat('x', {}, { headers: { 'x-openclaw-session-key': 'cron:abc' } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).error.message).toBe(
      '`x-openclaw-session-key` cannot use reserved internal session namespaces.',
    );
  });
});

describe('magic words', () => {
  it('FAKE_FAIL_500: chat non-stream → 502 (12a)', async () => {
    const res = await chat('please FAKE_FAIL_500');
    expect(res.status).toBe(502);
    expect(await res.text()).toBe('{"error":{"message":"upstream provider error","type":"api_error"}}');
  });

  it('FAKE_FAIL_500: chat stream → role chunk, in-band error, [DONE] (12b)', async () => {
    const res = await chat('FAKE_FAIL_500', { stream: true });
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    expect(events).toHaveLength(3);
    expect(JSON.parse(events[0]!.data).choices[0].delta).toEqual({ role: 'assistant' });
    expect(events[1]!.data).toBe('{"error":{"message":"upstream provider error","type":"api_error"}}');
    expect(events[2]!.data).toBe('[DONE]');
  });

  it('FAKE_FAIL_500: responses non-stream → 502 failed Response object (12c)', async () => {
    const res = await responses('FAKE_FAIL_500');
    expect(res.status).toBe(502);
    const json = (await res.json()) as Json;
    expect(Object.keys(json)).toEqual(['id', 'object', 'created_at', 'status', 'model', 'output', 'usage', 'error']);
    expect(json).toMatchObject({
      object: 'response',
      status: 'failed',
      model: 'openclaw/default',
      output: [],
      error: { code: 'api_error', message: 'upstream provider error' },
    });
    expect(json.usage).toEqual({
      input_tokens: 0,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 0,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 0,
    });
  });

  it('FAKE_FAIL_500: responses stream → initial events, response.failed, [DONE] (12d)', async () => {
    const res = await responses('FAKE_FAIL_500', { stream: true });
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.failed',
      undefined,
    ]);
    expect(events[5]!.data).toBe('[DONE]');
    const failed = JSON.parse(events[4]!.data);
    expect(failed.response).toMatchObject({
      id: JSON.parse(events[0]!.data).response.id,
      status: 'failed',
      output: [],
      error: { code: 'api_error', message: 'upstream provider error' },
    });
  });

  it('FAKE_500 and FAKE_429 fail before streaming', async () => {
    for (const stream of [false, true]) {
      const e500 = await chat('FAKE_500', { stream });
      expect(e500.status).toBe(500);
      expect(await e500.text()).toBe('{"error":{"message":"internal error","type":"api_error"}}');
      const e429 = await responses('FAKE_429', { stream });
      expect(e429.status).toBe(429);
      expect(e429.headers.get('retry-after')).toBe('7');
      expect(await e429.text()).toBe('{"error":{"message":"rate limited","type":"rate_limited"}}');
    }
  });

  it('FAKE_RACE: the first request of a session gets 500, the retry succeeds', async () => {
    const headers = { 'x-openclaw-session-key': 'race-1' };
    const results = await Promise.all([1, 2, 3].map(() => chat('FAKE_RACE hi', {}, { headers })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 500]);
    const retry = await chat('FAKE_RACE again', {}, { headers });
    expect(retry.status).toBe(200);
    const byUser = await chat('FAKE_RACE', { user: 'racer' });
    expect(byUser.status).toBe(500);
    expect((await chat('FAKE_RACE', { user: 'racer' })).status).toBe(200);
    const noSession = await chat('FAKE_RACE');
    expect(noSession.status).toBe(200);
  });

  it('FAKE_HANG: sends no headers; a client abort sets closedEarly', async () => {
    const controller = new AbortController();
    const pending = chat('FAKE_HANG', { stream: true }, { signal: controller.signal });
    const [rec] = await gw.waitForRequests(1);
    const settled = await Promise.race([
      pending.then(() => 'answered'),
      new Promise((r) => setTimeout(r, 150, 'pending')),
    ]);
    expect(settled).toBe('pending');
    controller.abort();
    await expect(pending).rejects.toThrow();
    await rec!.closed;
    expect(rec!.closedEarly).toBe(true);
  });

  it('FAKE_SILENT: stream sends headers and the initial chunk, then nothing', async () => {
    const controller = new AbortController();
    const res = await chat('FAKE_SILENT', { stream: true }, { signal: controller.signal });
    expect(res.status).toBe(200);
    const text = await readUntil(res, (t) => t.includes('\n\n'));
    expect(JSON.parse(parseSse(text)[0]!.data).choices[0].delta).toEqual({ role: 'assistant' });
    controller.abort();
    const rec = gw.last()!;
    await rec.closed;
    expect(rec.closedEarly).toBe(true);

    const c2 = new AbortController();
    const r2 = await responses('FAKE_SILENT', { stream: true }, { signal: c2.signal });
    const t2 = await readUntil(r2, (t) => t.includes('response.content_part.added'));
    await new Promise((r) => setTimeout(r, 100));
    expect(t2).not.toContain('output_text.delta');
    c2.abort();
    await gw.last()!.closed;
    expect(gw.last()!.closedEarly).toBe(true);
  });

  it('GET /__stats counts requests and the ones still open', async () => {
    const stats = async () => (await fetch(`${gw.url}/__stats`)).json();
    const before = await stats();
    const controller = new AbortController();
    const res = await chat('FAKE_SILENT', { stream: true }, { signal: controller.signal });
    await readUntil(res, (t) => t.includes('\n\n'));
    expect(await stats()).toEqual({ requests: before.requests + 1, open: before.open + 1 });
    controller.abort();
    await gw.last()!.closed;
    expect(await stats()).toEqual({ requests: before.requests + 1, open: before.open });
  });

  it('FAKE_SILENT non-stream behaves like FAKE_HANG', async () => {
    const res = await responses('FAKE_SILENT', {}, { signal: AbortSignal.timeout(150) }).catch((e: Error) => e);
    expect(res).toBeInstanceOf(Error);
    await gw.last()!.closed;
    expect(gw.last()!.closedEarly).toBe(true);
  });

  it('FAKE_SLOW_<ms> delays the first delta (stream) or the answer', async () => {
    let t0 = Date.now();
    const res = await chat('FAKE_SLOW_250', { stream: true });
    const body = bodyReader(res);
    await body.until((t) => t.includes('\n\n'));
    const headersAt = Date.now() - t0;
    expect(await body.rest()).toContain('[DONE]');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
    expect(headersAt).toBeLessThan(200);
    t0 = Date.now();
    const r2 = await responses('FAKE_SLOW_250');
    expect(r2.status).toBe(200);
    await r2.text();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
  });

  it('FAKE_CUT: stream breaks after 2 deltas without [DONE]; non-stream closes without answering', async () => {
    const res = await chat('FAKE_CUT', { stream: true });
    expect(res.status).toBe(200);
    const body = bodyReader(res);
    const failed = await body.rest().then(
      () => false,
      () => true,
    );
    expect(failed).toBe(true);
    const text = body.text;
    const events = parseSse(text);
    expect(events).toHaveLength(3);
    expect(text).not.toContain('[DONE]');
    await gw.last()!.closed;
    expect(gw.last()!.closedEarly).toBe(false);

    const r2 = await responses('FAKE_CUT', { stream: true });
    const t2 = await r2.text().catch(() => 'failed');
    expect(t2).toBe('failed');

    await expect(chat('FAKE_CUT')).rejects.toThrow();
    await expect(responses('FAKE_CUT')).rejects.toThrow();
  });

  it('FAKE_DELTAS_<n>: exactly n deltas " w1".." wn"', async () => {
    const res = await chat('FAKE_DELTAS_5', { stream: true, stream_options: { include_usage: true } });
    const events = parseSse(await res.text());
    const deltas = events.slice(1, 6).map((e) => JSON.parse(e.data).choices[0].delta.content);
    expect(deltas).toEqual([' w1', ' w2', ' w3', ' w4', ' w5']);
    expect(JSON.parse(events[6]!.data).choices[0].finish_reason).toBe('stop');
    expect(JSON.parse(events[7]!.data).usage.completion_tokens).toBe(5);
    const r2 = await responses('FAKE_DELTAS_3');
    const json = (await r2.json()) as Json;
    expect(json.output[0].content[0].text).toBe(' w1 w2 w3');
    expect(json.usage.output_tokens).toBe(3);
    const big = await chat('FAKE_DELTAS_2000', { stream: true });
    expect(parseSse(await big.text())).toHaveLength(2003);
  });

  it('FAKE_MEDIA: Markdown image, link and bare URL, then the echo line', async () => {
    const res = await chat('FAKE_MEDIA');
    const text = ((await res.json()) as Json).choices[0].message.content as string;
    expect(text).toContain('![chart](https://example.com/chart.png)');
    expect(text).toContain('[report](https://example.com/report.pdf)');
    expect(text).toContain(' https://example.com/photo.jpg');
    expect(text).toMatch(/\nECHO: FAKE_MEDIA \| images=0 files=0 history=0 session=/);
    const stream = await responses('FAKE_MEDIA', { stream: true });
    const events = parseSse(await stream.text());
    const done = JSON.parse(events.find((e) => e.event === 'response.output_text.done')!.data);
    const joined = events
      .filter((e) => e.event === 'response.output_text.delta')
      .map((e) => JSON.parse(e.data).delta)
      .join('');
    expect(joined).toBe(done.text);
    expect(done.text).toContain('![chart](https://example.com/chart.png)');
  });

  it('FAKE_CHINESE: one delta per character, intact', async () => {
    const res = await responses('FAKE_CHINESE', { stream: true });
    const deltas = parseSse(await res.text())
      .filter((e) => e.event === 'response.output_text.delta')
      .map((e) => JSON.parse(e.data).delta);
    expect(deltas).toEqual(Array.from(FAKE_CHINESE_TEXT));
    expect(deltas.join('')).toBe('你好，世界！这是一个流式回答。🚀');
    const r2 = await chat('FAKE_CHINESE');
    expect(((await r2.json()) as Json).choices[0].message.content).toBe(FAKE_CHINESE_TEXT);
  });
});

describe('recording, timing, lifecycle', () => {
  it('waitForRequests resolves once bodies are read, and rejects on timeout', async () => {
    const pending = gw.waitForRequests(2, 2000);
    await chat('one');
    await responses('two');
    const recs = await pending;
    expect(recs.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/responses']);
    expect(recs[1]!.body.input).toBe('two');
    await expect(gw.waitForRequests(5, 50)).rejects.toThrow(/waitForRequests\(5\)/);
  });

  it('deltaDelayMs spaces deltas; aborting mid-stream stops the run and sets closedEarly', async () => {
    const g = await startExtra({ deltaDelayMs: 40 });
    const controller = new AbortController();
    const t0 = Date.now();
    const res = await chat('FAKE_DELTAS_50', { stream: true }, { base: g, signal: controller.signal });
    const text = await readUntil(res, (t) => (t.match(/" w/g) ?? []).length >= 3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(70);
    expect(text).not.toContain('[DONE]');
    controller.abort();
    const rec = g.last()!;
    await rec.closed;
    expect(rec.closedEarly).toBe(true);

    const full = await chat('FAKE_DELTAS_4', {}, { base: g });
    expect(full.status).toBe(200);
    await full.text();
    expect(g.last()!.closedEarly).toBe(false);
  });

  it('runs different sessions in parallel', async () => {
    const t0 = Date.now();
    const all = await Promise.all(['a', 'b', 'c', 'd'].map((user) => chat('FAKE_SLOW_300', { user })));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(Date.now() - t0).toBeLessThan(900);
  });

  it('close() ends hanging requests', async () => {
    const g = await startExtra({});
    const pending = chat('FAKE_HANG', {}, { base: g }).catch((e: Error) => e);
    const [rec] = await g.waitForRequests(1);
    await g.close();
    expect(await pending).toBeInstanceOf(Error);
    await rec!.closed;
    expect(rec!.closedEarly).toBe(true);
  });

  it('main.ts prints the URL and exits cleanly on SIGTERM', async () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const child = spawn(process.execPath, [main], {
      env: { ...process.env, FAKE_GATEWAY_PORT: '0', FAKE_GATEWAY_TOKEN: 'main-token' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('\n')) resolve();
      });
      child.once('exit', () => reject(new Error(`main.ts exited early: ${out}`)));
    });
    const match = /^FAKE_GATEWAY_URL=(http:\/\/127\.0\.0\.1:\d+)\n$/.exec(out);
    expect(match).not.toBeNull();
    const res = await fetch(`${match![1]}/v1/models`, { headers: { authorization: 'Bearer main-token' } });
    expect(res.status).toBe(200);
    await res.text();
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
