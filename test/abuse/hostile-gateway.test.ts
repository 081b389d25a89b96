/**
 * The gateway as the attacker: huge, endless, malformed or wrong-shaped answers, huge error bodies, wild Retry-After,
 * and a /readyz flood. Each goes through the real server and must end in a precise error with bounded memory.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureBounds, reportBounds } from '../helpers/bounds.ts';
import { gql, SEND_CHAT } from '../helpers/fixtures.ts';
import { type HostileGateway, startHostileGateway } from '../helpers/hostile-gateway.ts';
import { dataPayloads, expectError, expectStillServes, postChat, readSse, userMessage } from '../helpers/rest.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
/** What a hostile gateway offers: far above every cap below, so an uncapped server would grow by about this much. */
const FLOOD_BYTES = 96 * MiB;

let hostile: HostileGateway;
let server: TestServer;

beforeAll(async () => {
  hostile = await startHostileGateway((_request, response) => {
    response.end();
  });
  server = await startTestServer({
    gatewayUrl: hostile.url,
    env: {
      UPSTREAM_MAX_ANSWER_BYTES: String(256 * KiB),
      UPSTREAM_MAX_ERROR_BODY_BYTES: String(16 * KiB),
      UPSTREAM_MAX_SSE_EVENT_BYTES: String(1 * MiB),
      READY_CACHE_MS: '60000',
    },
  });
});
afterAll(async () => {
  await server.close();
  await hostile.close();
});

/** Writes `prefix`, then `filler` until `total` bytes or the reader hangs up (respecting backpressure); returns bytes written. */
async function flood(response: ServerResponse, prefix: string, filler: string, total = FLOOD_BYTES): Promise<number> {
  const piece = Buffer.from(filler.repeat(Math.ceil((64 * KiB) / filler.length)));
  let written = 0;
  const closed = new Promise<void>((resolve) => response.once('close', resolve));
  let open = true;
  void closed.then(() => {
    open = false;
  });
  response.write(prefix);
  while (open && written < total) {
    written += piece.length;
    if (!response.write(piece)) await Promise.race([new Promise((r) => response.once('drain', r)), closed]);
  }
  if (open) response.end();
  return written;
}

function floodWith(status: number, contentType: string, prefix: string, filler: string) {
  const sent: number[] = [];
  hostile.answer(async (_request, response) => {
    response.writeHead(status, { 'content-type': contentType });
    const written = await flood(response, prefix, filler);
    if (process.env.ABUSE_REPORT)
      console.log(`[abuse] the gateway wrote ${(written / MiB).toFixed(1)} MiB before the server hung up`);
    sent.push(written);
  });
  return sent;
}

const chatChunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;

/** The error a call ended with: the JSON error of a non-streaming answer, or a stream's final error frame. */
async function callError(stream: boolean): Promise<{ status: number; code?: string; message?: string }> {
  const response = await postChat(server, { messages: [userMessage('hi')], stream });
  if (!stream) return { status: response.status, ...((await response.json()) as { error?: object }).error };
  const payloads = dataPayloads((await readSse(response)).frames);
  return { status: response.status, ...payloads.find((p) => p !== '[DONE]' && p.error)?.error };
}

/** Measures one call against a flooding gateway (reported before asserting, for before/after figures). */
async function floodedCall(stream: boolean, sent: number[]) {
  const bounds = await measureBounds(() => callError(stream));
  reportBounds(expect.getState().currentTestName ?? '', bounds);
  await expect.poll(() => sent.length, { timeout: 10_000 }).toBe(1);
  expect(sent[0]).toBeLessThan(FLOOD_BYTES / 4);
  expect(bounds.rssGrowthMiB).toBeLessThan(48);
  return bounds.value;
}

describe('answers past a cap fail the run with UPSTREAM_FAILED, reading nothing past the cap', () => {
  it('a huge non-streaming answer', async () => {
    const sent = floodWith(200, 'application/json', '{"choices":[{"message":{"content":"', 'x');
    const error = await floodedCall(false, sent);
    expect(error).toMatchObject({ status: 502, code: 'UPSTREAM_FAILED' });
    expect(error.message).toContain('larger than this server accepts');
  });

  it('an answer streamed as endless small deltas', async () => {
    const delta = chatChunk('abcdefgh'.repeat(64));
    const sent = floodWith(200, 'text/event-stream', '', delta);
    const failure = await floodedCall(true, sent);
    expect(failure.code).toBe('UPSTREAM_FAILED');
    expect(failure.message).toContain('answer is larger');
  });

  it('an SSE line that never ends', async () => {
    const sent = floodWith(200, 'text/event-stream', 'data: {"choices":[{"delta":{"content":"', 'y');
    const failure = await floodedCall(true, sent);
    expect(failure.code).toBe('UPSTREAM_FAILED');
    expect(failure.message).toContain('stream event larger');
  });

  it('a huge error body is read only up to its cap and still mapped', async () => {
    const sent = floodWith(500, 'application/json', '{"error":{"message":"boom', 'z');
    expect(await floodedCall(false, sent)).toMatchObject({ status: 502, code: 'UPSTREAM_FAILED' });
    await expectStillServes(server);
  });
});

describe('non-JSON and wrong-shaped answers are UPSTREAM_FAILED (502) on every surface', () => {
  const bodies = {
    'non-JSON': 'Internal proxy page <html>',
    'wrong-shaped ({})': '{}',
    'wrong-shaped (no message)': '{"choices":[{"finish_reason":"stop"}]}',
  };

  for (const [label, body] of Object.entries(bodies)) {
    it(`${label}: REST, GraphQL and tRPC`, async () => {
      hostile.answer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(body);
      });
      const rest = await expectError(await postChat(server, { messages: [userMessage('hi')] }), 502, 'UPSTREAM_FAILED');
      expect(rest.message).toContain('unusable answer');

      const graphql = await gql(
        server.baseUrl,
        SEND_CHAT,
        { input: { messages: [{ role: 'user', content: 'hi' }] } },
        { apiKey: server.apiKey },
      );
      expect(graphql.errors?.[0]?.extensions?.code, JSON.stringify(graphql.errors)).toBe('UPSTREAM_FAILED');
      expect(graphql.data?.sendChat ?? null).toBeNull();

      const trpc = await fetch(`${server.baseUrl}/trpc/chat.send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
      });
      const trpcError = (await trpc.json()) as { error: { data: { appCode?: string; httpStatus?: number } } };
      expect(trpc.status).toBe(502);
      expect(trpcError.error.data.appCode).toBe('UPSTREAM_FAILED');
    });
  }

  it('a malformed event fails a chat-completions stream like a responses one', async () => {
    hostile.answer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(`${chatChunk('partial ')}data: {"choices":[{"delta":\n\n${chatChunk('more')}data: [DONE]\n\n`);
    });
    const failure = await callError(true);
    expect(failure).toMatchObject({ code: 'UPSTREAM_FAILED', message: 'The gateway sent a malformed stream event.' });
  });
});

describe('Retry-After from the gateway', () => {
  it.each([
    ['31536000', '300'],
    ['0', '1'],
  ])('%s s is passed on clamped to %s s', async (header, clamped) => {
    hostile.answer((_request, response) => {
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': header });
      response.end('{"error":{"message":"slow down"}}');
    });
    const response = await postChat(server, { messages: [userMessage('hi')] });
    await expectError(response, 429, 'RATE_LIMITED');
    expect(response.headers.get('retry-after')).toBe(clamped);
  });
});

describe('/readyz flood', () => {
  it('200 unauthenticated checks, in bursts, reach the gateway once', async () => {
    hostile.answer((_request, response) => {
      setTimeout(() => response.end('{"data":[]}'), 50);
    });
    const before = hostile.received.filter((r) => r.path.endsWith('/v1/models')).length;
    for (let burst = 0; burst < 4; burst++) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(`${server.baseUrl}/readyz`)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
    }
    const probes = hostile.received.filter((r) => r.path.endsWith('/v1/models')).length - before;
    if (process.env.ABUSE_REPORT) console.log(`[abuse] /readyz flood: 200 checks, ${probes} gateway probes`);
    expect(probes).toBeLessThanOrEqual(2);
  });
});
