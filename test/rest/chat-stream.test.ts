/** POST /api/chat with stream:true: headers, SSE framing, heartbeats and in-band failures. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_CHINESE_TEXT } from '../fake-gateway/fake-gateway.ts';
import {
  dataPayloads,
  expectNoLeak,
  expectStillServes,
  type Json,
  postChat,
  readSse,
  userMessage,
} from '../helpers/rest.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { HEARTBEAT_MS: '200' } });
});
afterEach(() => server.gateway.reset());
afterAll(async () => {
  await server.close();
});

const isChunk = (p: Json) => p !== '[DONE]' && p.object === 'chat.completion.chunk';
const deltaOf = (p: Json): string | undefined => (isChunk(p) ? p.choices[0]?.delta?.content : undefined);

describe('streaming answers', () => {
  it('sends SSE headers, a comment first, role/content/finish chunks and [DONE] last', async () => {
    const response = await postChat(server, { messages: [userMessage('stream me please')], stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('content-encoding')).toBeNull();
    const runId = response.headers.get('x-run-id');
    expect(runId).toBeTruthy();
    expect(response.headers.get('x-request-id')).toBeTruthy();

    const { raw, frames } = await readSse(response);
    expect(raw.startsWith(':')).toBe(true);
    expect(frames[0]!.comment).toBeDefined();
    expect(frames[0]!.data).toBeUndefined();

    const payloads = dataPayloads(frames);
    expect(payloads.at(-1)).toBe('[DONE]');
    expect(payloads.filter((p) => p === '[DONE]')).toHaveLength(1);
    const chunks = payloads.slice(0, -1);
    expect(chunks.every(isChunk)).toBe(true);
    for (const chunk of chunks) {
      expect(chunk.id).toContain(runId);
      expect(chunk.model).toBe('openclaw');
      expect(typeof chunk.created).toBe('number');
    }
    expect(chunks[0].choices).toEqual([{ index: 0, delta: { role: 'assistant' }, finish_reason: null }]);
    const last = chunks.at(-1);
    expect(last.choices).toEqual([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    expect(chunks.filter((c: Json) => c.choices[0]?.finish_reason === 'stop')).toHaveLength(1);

    const deltas = chunks.slice(1, -1);
    expect(deltas.length).toBeGreaterThan(1);
    for (const d of deltas) {
      expect(d.choices).toEqual([{ index: 0, delta: { content: expect.any(String) }, finish_reason: null }]);
    }
    const text = deltas.map(deltaOf).join('');
    expect(text).toMatch(/^ECHO: stream me please \| images=0 files=0 history=0 session=agent:main:openai:/);

    // The joined deltas equal what the same question gets without streaming (modulo the random session).
    const plain = await (await postChat(server, { messages: [userMessage('stream me please')] })).json();
    const strip = (s: string) => s.replace(/session=\S+$/, '');
    expect(strip(text)).toBe(strip(plain.choices[0].message.content));
  });

  it('FAKE_DELTAS_<n>: every delta arrives, in order', async () => {
    const response = await postChat(server, { messages: [userMessage('FAKE_DELTAS_25')], stream: true });
    const payloads = dataPayloads((await readSse(response)).frames);
    const deltas = payloads.map(deltaOf).filter((d) => d !== undefined);
    expect(deltas).toEqual(Array.from({ length: 25 }, (_, i) => ` w${i + 1}`));
  });

  it('multi-byte text (FAKE_CHINESE) arrives intact', async () => {
    const response = await postChat(server, { messages: [userMessage('FAKE_CHINESE')], stream: true });
    const { raw, frames } = await readSse(response);
    expect(raw).not.toContain('\uFFFD');
    const text = dataPayloads(frames)
      .map(deltaOf)
      .filter((d) => d !== undefined)
      .join('');
    expect(text).toBe(FAKE_CHINESE_TEXT);
  });

  it('sends `: ping` heartbeats while the agent is silent, before the first delta', async () => {
    const response = await postChat(server, { messages: [userMessage('think FAKE_SLOW_900')], stream: true });
    expect(response.status).toBe(200);
    const { frames } = await readSse(response);
    const firstPing = frames.findIndex((f) => f.comment?.trim() === 'ping');
    const firstDelta = frames.findIndex((f) => {
      if (f.data === undefined || f.data === '[DONE]') return false;
      return deltaOf(JSON.parse(f.data)) !== undefined;
    });
    expect(firstPing).toBeGreaterThan(-1);
    expect(firstDelta).toBeGreaterThan(-1);
    expect(firstPing).toBeLessThan(firstDelta);
    expect(dataPayloads(frames).at(-1)).toBe('[DONE]');
  });
});

describe('mid-stream failures', () => {
  for (const word of ['FAKE_FAIL_500', 'FAKE_CUT']) {
    it(`${word}: ends with an UPSTREAM_FAILED error frame and never a stop chunk`, async () => {
      const response = await postChat(server, { messages: [userMessage(`go ${word}`)], stream: true });
      expect(response.status).toBe(200);
      const { raw, frames } = await readSse(response);
      const payloads = dataPayloads(frames);
      const errors = payloads.filter((p) => p !== '[DONE]' && p.error !== undefined);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toEqual({
        error: {
          code: 'UPSTREAM_FAILED',
          message: expect.any(String),
          type: expect.any(String),
          requestId: expect.any(String),
        },
      });
      // The error is the final data frame (a trailing [DONE] is tolerated).
      const rest = payloads.slice(payloads.indexOf(errors[0]) + 1);
      expect(rest.every((p) => p === '[DONE]')).toBe(true);
      expect(payloads.some((p) => isChunk(p) && p.choices[0]?.finish_reason === 'stop')).toBe(false);
      expectNoLeak(raw, server.gateway.url);
      await expectStillServes(server);
    });
  }
});
