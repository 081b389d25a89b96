/**
 * Gateway answers crafted against the server's text scans (link extraction, SSE parsing): through the real server,
 * the event loop must stay responsive. The regex versions blocked it for tens of seconds on these inputs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureBounds, reportBounds } from '../helpers/bounds.ts';
import { type HostileGateway, startHostileGateway } from '../helpers/hostile-gateway.ts';
import { dataPayloads, postChat, readSse, userMessage } from '../helpers/rest.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const N = 100_000;
/** The quadratic scans took 15–25 s on these at N = 100 000 on the team machine; linear ones take milliseconds. */
const MAX_EVENT_LOOP_DELAY_MS = 1500;

const HOSTILE_TEXTS: Record<string, string> = {
  '"http " then brackets': `http ${'['.repeat(N)}`,
  'a URL then dots': `https://a.example/x${'.'.repeat(N)}png`,
  'link targets sharing one URL': `[a${'](http://'.repeat(N / 10)}`,
  'an unclosed title': `[a](http://x ${'"'.repeat(N)}`,
};

let hostile: HostileGateway;
let server: TestServer;

beforeAll(async () => {
  hostile = await startHostileGateway((_request, response) => {
    response.end();
  });
  server = await startTestServer({ gatewayUrl: hostile.url });
});
afterAll(async () => {
  await server.close();
  await hostile.close();
});

describe('adversarial answer texts keep the event loop responsive', () => {
  for (const [label, text] of Object.entries(HOSTILE_TEXTS)) {
    it(`non-streaming: ${label}`, async () => {
      hostile.answer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ choices: [{ message: { content: text }, finish_reason: 'stop' }] }));
      });
      const bounds = await measureBounds(async () => {
        const response = await postChat(server, { messages: [userMessage('hi')] });
        expect(response.status).toBe(200);
        return (await response.json()) as { choices: Array<{ message: { content: string } }> };
      });
      reportBounds(expect.getState().currentTestName ?? '', bounds);
      expect(bounds.value.choices[0]!.message.content).toBe(text);
      expect(bounds.maxEventLoopDelayMs).toBeLessThan(MAX_EVENT_LOOP_DELAY_MS);
    });
  }

  it('streaming: the same texts in small TCP writes', async () => {
    const text = HOSTILE_TEXTS['"http " then brackets']!;
    hostile.answer(async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = `data: ${JSON.stringify({ choices: [{ delta: { content: text } }] })}\n\n`;
      for (let at = 0; at < chunk.length; at += 256) {
        response.write(chunk.slice(at, at + 256));
        await new Promise((resolve) => setImmediate(resolve));
      }
      response.end(`data: ${JSON.stringify({ choices: [{ delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`);
    });
    const bounds = await measureBounds(async () => {
      const response = await postChat(server, { messages: [userMessage('hi')], stream: true });
      return dataPayloads((await readSse(response)).frames);
    });
    reportBounds(expect.getState().currentTestName ?? '', bounds);
    const deltas = bounds.value.filter((p) => p !== '[DONE]' && p.choices?.[0]?.delta?.content);
    expect(deltas.map((p) => p.choices[0].delta.content).join('')).toBe(text);
    expect(bounds.maxEventLoopDelayMs).toBeLessThan(MAX_EVENT_LOOP_DELAY_MS);
  });
});
