import type { ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Principal } from '../../src/chat/principal.ts';
import type { SendChatInput } from '../../src/contract/chat.ts';
import { measureBounds } from '../helpers/bounds.ts';
import { type HostileGateway, startHostileGateway } from '../helpers/hostile-gateway.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const MiB = 1024 * 1024;
const MAX_EVENT_BYTES = 24 * MiB;
const STREAMS = 5;

/** A chat-completions stream that never ends, as fast as the server reads it (the gateway keeps its own bound). */
function endlessStream(): Parameters<typeof startHostileGateway>[0] {
  const frame = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'x'.repeat(8 * 1024) } }] })}\n\n`;
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const pump = () => {
      while (!response.destroyed && response.write(frame));
      if (!response.destroyed) response.once('drain', pump);
    };
    pump();
  };
}

/** Sends a raw HTTP request and never reads the answer. */
function unreadRequest(server: TestServer, head: string, body = ''): Socket {
  const { hostname, port } = new URL(server.baseUrl);
  const socket = connect(Number(port), hostname, () => socket.pause());
  socket.on('error', () => {});
  socket.write(`${head}\r\nhost: ${hostname}\r\nx-api-key: ${server.apiKey}\r\n`);
  socket.write(`content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  return socket;
}

const turn: SendChatInput = { messages: [{ role: 'user', content: 'talk forever' }] };

describe('abuse: subscribers that stop reading, on a gateway that never stops', () => {
  let gateway: HostileGateway;
  let server: TestServer;
  let principal: Principal;
  const sockets: Array<{ destroy(): void }> = [];
  /** The server's responses, to read how many bytes it holds unsent for each. */
  const responses: ServerResponse[] = [];
  beforeAll(async () => {
    gateway = await startHostileGateway(endlessStream());
    server = await startTestServer({
      gatewayUrl: gateway.url,
      env: { RUN_MAX_EVENT_BYTES: String(MAX_EVENT_BYTES) },
    });
    principal = await server.app.authenticate({ 'x-api-key': server.apiKey });
    server.app.server.server.on('request', (_request, response: ServerResponse) => responses.push(response));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await server.close();
    await gateway.close();
  });

  const openers: Record<string, () => void> = {
    'REST SSE': () => {
      const body = JSON.stringify({ ...turn, stream: true });
      sockets.push(unreadRequest(server, 'POST /api/chat HTTP/1.1\r\ncontent-type: application/json', body));
    },
    'GraphQL over SSE': () => {
      const query =
        'subscription { chatStream(input: { messages: [{ role: user, content: "talk" }] }) { __typename } }';
      const head = 'POST /graphql HTTP/1.1\r\ncontent-type: application/json\r\naccept: text/event-stream';
      sockets.push(unreadRequest(server, head, JSON.stringify({ query })));
    },
    'tRPC SSE': () => {
      const { id } = server.app.service.start(principal, turn, { stream: true });
      const input = encodeURIComponent(JSON.stringify({ runId: id }));
      sockets.push(unreadRequest(server, `GET /trpc/chat.events?input=${input} HTTP/1.1\r\naccept: text/event-stream`));
    },
    'graphql-ws': () => {
      const ws = new WebSocket(`${server.baseUrl.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      sockets.push({ destroy: () => ws.terminate() });
      ws.on('error', () => {});
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: server.apiKey } })));
      ws.once('message', () => {
        const query =
          'subscription { chatStream(input: { messages: [{ role: user, content: "talk" }] }) { __typename } }';
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        (ws as unknown as { _socket: Socket })._socket.pause();
      });
    },
  };

  for (const [surface, open] of Object.entries(openers)) {
    it(`${surface}: ${STREAMS} unread streams stay bounded and their runs stop at the event-log cap`, async () => {
      responses.length = 0;
      let maxBuffered = 0;
      const sampler = setInterval(() => {
        const buffered = responses.reduce((sum, response) => sum + response.writableLength, 0);
        maxBuffered = Math.max(maxBuffered, buffered);
      }, 5);
      const {
        rssGrowthMiB,
        elapsedMs,
        value: active,
      } = await measureBounds(async () => {
        for (let i = 0; i < STREAMS; i++) open();
        for (let i = 0; i < 400 && server.app.runs.activeFor(principal.id) < STREAMS; i++) await tick(10);
        for (let i = 0; i < 400 && server.app.runs.activeFor(principal.id) > 0; i++) await tick(10);
        return server.app.runs.activeFor(principal.id);
      });
      clearInterval(sampler);
      console.info(
        `${surface}: ${STREAMS} unread streams, RSS +${rssGrowthMiB.toFixed(1)} MiB, ` +
          `max ${(maxBuffered / MiB).toFixed(2)} MiB unsent in ${responses.length} HTTP responses, runs still active after ${elapsedMs.toFixed(0)} ms: ${active}`,
      );
      expect(active).toBe(0);
      // What the server holds unsent stays about a socket buffer per stream, not the answer (graphql-ws: 0 here).
      expect(maxBuffered).toBeLessThan(STREAMS * MiB);
      // Unbounded, five streams grew the server by ~30 MB/s for as long as the gateway talked.
      expect(rssGrowthMiB).toBeLessThan(STREAMS * (MAX_EVENT_BYTES / MiB) * 4 + 64);
      for (const socket of sockets.splice(0)) socket.destroy();
    });
  }
});

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
