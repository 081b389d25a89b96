import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureBounds } from '../helpers/bounds.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const IDLE_MS = 600;
const TOTAL_MS = 2_000;

interface RawCall {
  socket: Socket;
  /** Everything the server wrote, once it closed the connection. */
  answer: Promise<string>;
}

/** Opens a POST whose body the test writes itself (Content-Length promised up front). */
function openUpload(server: TestServer, path: string, contentLength: number): RawCall {
  const { hostname, port } = new URL(server.baseUrl);
  const socket = connect(Number(port), hostname);
  socket.write(
    `POST ${path} HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\n` +
      `x-api-key: ${server.apiKey}\r\nconnection: close\r\ncontent-length: ${contentLength}\r\n\r\n`,
  );
  const answer = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
    });
    socket.on('close', () => resolve(text));
    socket.on('error', () => {});
  });
  return { socket, answer };
}

const status = (answer: string) => Number(answer.split(' ')[1]);
const errorCode = (answer: string) => /"code":"(\w+)"/.exec(answer)?.[1];

describe('abuse: request bodies', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { BODY_IDLE_TIMEOUT_MS: String(IDLE_MS), BODY_TIMEOUT_MS: String(TOTAL_MS) },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  for (const path of ['/api/chat', '/graphql', '/trpc/chat.send']) {
    it(`drops a body that stalls on ${path} with a typed 408 and closes the connection`, async () => {
      const call = openUpload(server, path, 10_000);
      call.socket.write('{"messages":[');
      const { value: answer, elapsedMs } = await measureBounds(() => call.answer);
      console.info(`${path}: stalled body dropped after ${elapsedMs.toFixed(0)} ms`);
      expect(status(answer)).toBe(408);
      if (path !== '/trpc/chat.send') expect(errorCode(answer)).toBe('INVALID_INPUT');
      expect(answer).toMatch(/stalled/);
      expect(elapsedMs).toBeLessThan(IDLE_MS * 10);
    });
  }

  it('drops a body that trickles forever once the overall cap is reached', async () => {
    const call = openUpload(server, '/api/chat', 1_000_000);
    const drip = setInterval(() => call.socket.write(' '), IDLE_MS / 4);
    try {
      const { value: answer, elapsedMs } = await measureBounds(() => call.answer);
      console.info(`trickling body dropped after ${elapsedMs.toFixed(0)} ms`);
      expect(status(answer)).toBe(408);
      expect(answer).toMatch(/took longer than/);
      expect(elapsedMs).toBeLessThan(TOTAL_MS * 5);
    } finally {
      clearInterval(drip);
    }
  });

  it('accepts a slow upload that keeps making progress within the caps', async () => {
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'slow but steady' }] });
    const call = openUpload(server, '/api/chat', Buffer.byteLength(body));
    const pieces = body.match(/.{1,8}/g) ?? [];
    for (const piece of pieces.slice(0, 5)) {
      call.socket.write(piece);
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS / 3));
    }
    call.socket.write(pieces.slice(5).join(''));
    const answer = await call.answer;
    expect(status(answer)).toBe(200);
    expect(answer).toContain('slow but steady');
  });

  it('lets a non-streaming call wait for the agent longer than the body caps once its body arrived', async () => {
    const response = await fetch(`${server.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
      body: JSON.stringify({ messages: [{ role: 'user', content: `FAKE_SLOW_${TOTAL_MS + 500} patient` }] }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await response.json()).choices[0].message.content).toContain('patient');
  });
});

describe('abuse: shutdown with a stalled upload', () => {
  it('closes promptly instead of waiting for the body', async () => {
    // Caps far above the test's duration: only shutdown may end this upload.
    const server = await startTestServer({ env: { BODY_IDLE_TIMEOUT_MS: '600000', BODY_TIMEOUT_MS: '600000' } });
    const call = openUpload(server, '/api/chat', 10_000);
    call.socket.write('{"messages":[');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { elapsedMs } = await measureBounds(() =>
      Promise.race([
        server.close(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('close() still waiting after 8 s')), 8_000)),
      ]),
    );
    console.info(`shutdown with a stalled upload took ${elapsedMs.toFixed(0)} ms`);
    const answer = await call.answer;
    expect(status(answer)).toBe(503);
    expect(elapsedMs).toBeLessThan(5_000);
  });
});

describe('abuse: body timeouts leave body-less requests alone', () => {
  it('a graphql-ws connection and a GET outlive BODY_IDLE_TIMEOUT_MS', async () => {
    const server = await startTestServer({ env: { BODY_IDLE_TIMEOUT_MS: '200', BODY_TIMEOUT_MS: '400' } });
    try {
      const { default: WebSocket } = await import('ws');
      const ws = new WebSocket(`${server.baseUrl.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      await new Promise((resolve) => setTimeout(resolve, 700));
      ws.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: server.apiKey } }));
      const ack = await new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
      expect(JSON.parse(ack).type).toBe('connection_ack');
      ws.close();
      const health = await fetch(`${server.baseUrl}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
