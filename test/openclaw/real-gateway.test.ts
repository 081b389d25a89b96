import { readFileSync } from 'node:fs';
import { createServer, Socket as NetSocket, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import type { WsChatGateway } from '../../src/gateway/ws/transport.ts';
import { makePdf, makePng, PDF_TEXT } from '../helpers/media.ts';
import { buildBundleForTests } from '../sdk/bundle.ts';
import { collect } from '../sdk/streams.ts';
import { loadMiniprogramBundle } from '../sdk/vm-runtime.ts';
import { createWxSimulator } from '../sdk/wx-simulator.ts';

/**
 * The same chat flows as the integration suite, against the REAL OpenClaw gateway started by
 * ../shared/openclaw-real/start.sh (its fake model echoes `ECHO: <text> | images=N files=N history=N`).
 */
const GATEWAY_URL = process.env.OPENCLAW_GATEWAY_URL;
const GATEWAY_TOKEN = process.env.OPENCLAW_GATEWAY_TOKEN;
const KEY = 'openclaw-e2e-key-0123456789';
/** start.sh puts this PNG in the agent's workspace; FAKE_MEDIA_LOCAL answers `MEDIA:./cat.png`. */
const CAT_PNG = process.env.OPENCLAW_REAL_DIR
  ? readFileSync(join(process.env.OPENCLAW_REAL_DIR, 'state/workspace/cat.png'))
  : Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
      'base64',
    );

type Transport = 'http' | 'ws';

async function startServer(
  token: string | undefined,
  env: Record<string, string> = {},
  transport: Transport = 'http',
): Promise<{ app: App; base: string }> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'sqlite::memory:',
    API_KEYS: KEY,
    RATE_LIMIT_PER_MINUTE: '100000',
    OPENCLAW_GATEWAY_URL: GATEWAY_URL,
    OPENCLAW_GATEWAY_TOKEN: token,
    OPENCLAW_TRANSPORT: transport,
    ...env,
  });
  const app = await buildApp(config);
  return { app, base: await app.server.listen({ host: '127.0.0.1', port: 0 }) };
}

const post = (base: string, body: unknown, path = '/api/chat') =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEY },
    body: JSON.stringify(body),
  });

async function readSse(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice(6));
}

/** A TCP relay in front of the gateway whose connections can be cut (a WS drop mid-run). */
async function startRelay(target: string): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = new NetSocket();
    upstream.connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        relay.close(() => resolve());
      }),
  };
}

describe.runIf(GATEWAY_URL && GATEWAY_TOKEN).each<Transport>(['http', 'ws'])(
  'against a real OpenClaw gateway over %s',
  (transport) => {
    let server: { app: App; base: string };
    beforeAll(async () => {
      server = await startServer(GATEWAY_TOKEN, {}, transport);
      // /readyz is 503 until the shared WebSocket has its hello-ok.
      if (transport === 'ws') await (server.app.gateway as WsChatGateway).connection.started(15_000);
    });

    /**
     * Over ws the gateway puts `[media attached: <host path>]` before the text of a turn with images (the host
     * path reaches the model), and a stateless turn's earlier messages arrive as a labelled transcript.
     */
    const answerOf = (content: string) =>
      content
        .replace(/^ECHO: (?:\[media attached: [^\]]*\]\s*)+/, 'ECHO: ')
        .replace(/^ECHO: \[system\]\s[\s\S]*?\s\[user\]\s/, 'ECHO: ');
    afterAll(async () => {
      await server?.app.server.close();
    });

    it('is ready (gateway reachable, token accepted)', async () => {
      const response = await fetch(`${server.base}/readyz`);
      expect(response.status).toBe(200);
    });

    it('answers a text chat through /v1/chat/completions', async () => {
      const response = await post(server.base, {
        model: 'openclaw',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello real gateway' },
        ],
      });
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.object).toBe('chat.completion');
      expect(answerOf(body.choices[0].message.content)).toMatch(/^ECHO: hello real gateway/);
      expect(body.choices[0].finish_reason).toBe('stop');
      // chat.send events carry no input-token usage.
      if (transport === 'http') expect(body.usage.input_tokens).toBeGreaterThan(0);
    });

    it('streams deltas that add up to the answer, with usage', async () => {
      const response = await post(server.base, {
        stream: true,
        messages: [{ role: 'user', content: '流式 stream me' }],
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const frames = await readSse(response);
      expect(frames.at(-1)).toBe('[DONE]');
      const chunks = frames.slice(0, -1).map((f) => JSON.parse(f));
      const text = chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
      expect(text).toMatch(/^ECHO: 流式 stream me/);
      const last = chunks.at(-1);
      expect(last.choices[0].finish_reason).toBe('stop');
      if (transport === 'http') expect(last.usage.output_tokens).toBeGreaterThan(0);
    });

    it('sends an image and a PDF as parts of the user message on /v1/responses', async () => {
      const response = await post(server.base, {
        messages: [{ role: 'user', content: 'What is in this image and this PDF?' }],
        attachments: [
          { type: 'image', mimeType: 'image/png', data: makePng().toString('base64') },
          {
            type: 'file',
            name: 'invoice.pdf',
            mimeType: 'application/pdf',
            data: makePdf(PDF_TEXT).toString('base64'),
          },
        ],
      });
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(answerOf(body.choices[0].message.content)).toMatch(/images=1 files=1/);
    });

    it('streams a turn with a text file', async () => {
      const response = await post(server.base, {
        stream: true,
        messages: [{ role: 'user', content: 'summarize the notes' }],
        attachments: [
          { type: 'file', name: 'notes.md', data: Buffer.from('# Notes\n- one\n- two\n').toString('base64') },
        ],
      });
      const frames = await readSse(response);
      const text = frames
        .slice(0, -1)
        .map((f) => JSON.parse(f).choices?.[0]?.delta?.content ?? '')
        .join('');
      expect(text).toMatch(/files=1/);
    });

    it('keeps one session across both endpoints for a `user`, sending only the new turn', async () => {
      const user = `WeChatOpenId_${Date.now()}`;
      const first = await (await post(server.base, { user, messages: [{ role: 'user', content: 'turn one' }] })).json();
      expect(first.choices[0].message.content).toMatch(/history=0/);
      const second = await (
        await post(server.base, {
          user,
          messages: [
            { role: 'user', content: 'turn one' },
            { role: 'assistant', content: first.choices[0].message.content },
            { role: 'user', content: 'turn two with image' },
          ],
          attachments: [{ type: 'image', mimeType: 'image/png', data: makePng().toString('base64') }],
        })
      ).json();
      expect(answerOf(second.choices[0].message.content)).toMatch(
        /^ECHO: turn two with image \| images=1 files=0 history=[1-9]/,
      );
    });

    it('streams over GraphQL SSE', async () => {
      const response = await fetch(`${server.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': KEY },
        body: JSON.stringify({
          query:
            'subscription($i: SendChatInput!) { chatStream(input: $i) { __typename ... on ChatCompleted { result { message { content } } } } }',
          variables: { i: { messages: [{ role: 'user', content: 'graphql stream' }] } },
        }),
      });
      const text = await response.text();
      expect(text).toContain('"__typename":"ChatCompleted"');
      expect(text).toContain('ECHO: graphql stream');
    });

    it('answers GraphQL sendChat (twice: the second from yoga’s parse and validation caches) and tRPC chat.send with an image', async () => {
      const image = { data: makePng(8, 8).toString('base64'), mimeType: 'image/png' };
      const query =
        'mutation($i: SendChatInput!) { sendChat(input: $i) { message { content } usage { totalTokens } } }';
      for (const turn of ['first', 'second']) {
        const response = await post(
          server.base,
          {
            query,
            variables: { i: { messages: [{ role: 'user', content: `gql ${turn}` }], attachments: [{ image }] } },
          },
          '/graphql',
        );
        const body = await response.json();
        expect(body.errors).toBeUndefined();
        expect(answerOf(body.data.sendChat.message.content)).toMatch(
          new RegExp(`^ECHO: gql ${turn} \\| images=1 files=0`),
        );
      }
      const trpc = await post(
        server.base,
        { messages: [{ role: 'user', content: 'trpc send' }], attachments: [{ type: 'image', ...image }] },
        '/trpc/chat.send',
      );
      const body = await trpc.json();
      expect(answerOf(body.result.data.message.content)).toMatch(/^ECHO: trpc send \| images=1 files=0/);
    });

    it('reports a wrong gateway token as UPSTREAM_AUTH (502), not as the app user’s 401', async () => {
      const wrong = await startServer('definitely-not-the-token', {}, transport);
      try {
        const response = await post(wrong.base, { messages: [{ role: 'user', content: 'hi' }] });
        expect(response.status).toBe(502);
        const body = await response.json();
        expect(body.error.code).toBe('UPSTREAM_AUTH');
        expect(JSON.stringify(body)).not.toContain('definitely-not-the-token');
      } finally {
        await wrong.app.server.close();
      }
    });

    it('keeps a stream alive with heartbeats while the model fails, then reports the failure in-band', async () => {
      const failing = await startServer(GATEWAY_TOKEN, { HEARTBEAT_MS: '5000' }, transport);
      try {
        const response = await post(failing.base, {
          stream: true,
          messages: [{ role: 'user', content: 'FAKE_FAIL_500' }],
        });
        const text = await response.text();
        expect(text).toContain(': ping');
        const frames = text.split('\n\n').filter((f) => f.startsWith('data: '));
        expect(frames.at(-1)).toBe('data: [DONE]');
        expect(JSON.parse(frames.at(-2)!.slice(6)).error.code).toBe('UPSTREAM_FAILED');
        expect(text).not.toContain('"finish_reason":"stop"');
      } finally {
        await failing.app.server.close();
      }
    }, 150_000);

    it('cancels a running turn', async () => {
      const response = await post(server.base, {
        stream: true,
        messages: [{ role: 'user', content: 'FAKE_SLOW_8000 stop me' }],
      });
      const runId = response.headers.get('x-run-id');
      expect(runId).toBeTruthy();
      const reader = response.body!.getReader();
      await reader.read();
      await reader.cancel();
      // The run is cancelled when its REST client goes away; a fresh turn still works on the same transport.
      const next = await post(server.base, { messages: [{ role: 'user', content: 'after cancel' }] });
      expect((await next.json()).choices[0].message.content).toMatch(/^ECHO: after cancel/);
    }, 30_000);

    it.runIf(transport === 'ws')(
      'relays tool progress (FAKE_TOOL_LS) before the answer, without tool arguments',
      async () => {
        const response = await post(server.base, {
          stream: true,
          messages: [{ role: 'user', content: 'FAKE_TOOL_LS' }],
        });
        const text = await response.text();
        const tool = text.indexOf(': x_tool {"name":"ls","phase":"started"');
        expect(tool).toBeGreaterThan(-1);
        expect(text.indexOf('RESULT SEEN')).toBeGreaterThan(tool);
        expect(text).not.toContain('"args"');
      },
      60_000,
    );

    it.runIf(transport === 'ws')(
      'refuses an oversize image with 413 and keeps the connection',
      async () => {
        const big = Buffer.alloc(7 * 1024 * 1024, 1);
        big.set(makePng(), 0);
        const response = await post(server.base, {
          messages: [{ role: 'user', content: 'too big' }],
          attachments: [{ type: 'image', mimeType: 'image/png', data: big.toString('base64') }],
        });
        expect(response.status).toBe(413);
        const next = await post(server.base, { messages: [{ role: 'user', content: 'after oversize' }] });
        expect((await next.json()).choices[0].message.content).toMatch(/^ECHO: after oversize/);
      },
      60_000,
    );

    it('resetConversation starts a fresh gateway session: the model sees none of the earlier turns', async () => {
      const send = async (content: string, conversationId?: string) => {
        const response = await post(
          server.base,
          {
            query: 'mutation($i: SendChatInput!) { sendChat(input: $i) { conversationId message { content } } }',
            variables: { i: { messages: [{ role: 'user', content }], ...(conversationId ? { conversationId } : {}) } },
          },
          '/graphql',
        );
        return (await response.json()).data.sendChat as { conversationId: string; message: { content: string } };
      };
      const first = await send('reset turn one');
      expect(first.message.content).toContain('history=0');
      expect((await send('reset turn two', first.conversationId)).message.content).toContain('history=1');
      const reset = await post(
        server.base,
        { query: 'mutation($id: ID!) { resetConversation(id: $id) { id } }', variables: { id: first.conversationId } },
        '/graphql',
      );
      expect((await reset.json()).data.resetConversation.id).toBe(first.conversationId);
      expect((await send('reset turn three', first.conversationId)).message.content).toContain('history=0');
      const read = await post(
        server.base,
        {
          query: 'query($id: ID!) { conversation(id: $id) { messages { edges { node { role } } } } }',
          variables: { id: first.conversationId },
        },
        '/graphql',
      );
      expect((await read.json()).data.conversation.messages.edges).toHaveLength(6);
    }, 60_000);

    it.runIf(transport === 'ws')(
      'delivers a generated image (FAKE_MEDIA_LOCAL) to a mini-program client through our signed URL',
      async () => {
        const simulator = createWxSimulator();
        try {
          const { sdk } = loadMiniprogramBundle((await buildBundleForTests()).file, simulator.wx);
          const client = sdk.createChatClient({ baseUrl: server.base, apiKey: KEY });
          const events = await collect(
            client.chatStream({ messages: [{ role: 'user', content: 'FAKE_MEDIA_LOCAL' }] }),
          );
          const last = events.at(-1) as {
            __typename: string;
            result: { message: { content: string }; attachments: Array<Record<string, unknown>> };
          };
          expect(last.__typename).toBe('ChatCompleted');
          expect(last.result.message.content).toContain('Here is the local cat.');
          expect(last.result.message.content).not.toContain('MEDIA:');
          const [image] = last.result.attachments;
          expect(image).toMatchObject({ __typename: 'ImageAttachment', alt: 'cat.png', mimeType: 'image/png' });
          const wire = JSON.stringify(events);
          for (const trace of ['/api/chat/media', 'mediaTicket', 'artifact_', 'state/workspace']) {
            expect(wire).not.toContain(trace);
          }
          const loaded = await new Promise<{ statusCode: number; data: ArrayBuffer }>((resolve, reject) =>
            simulator.wx.request({
              url: new URL(String(image?.url), server.base).href,
              method: 'GET',
              responseType: 'arraybuffer',
              success: resolve as never,
              fail: reject,
            }),
          );
          expect(loaded.statusCode).toBe(200);
          expect(Buffer.from(loaded.data).equals(CAT_PNG)).toBe(true);
        } finally {
          simulator.close();
        }
      },
      60_000,
    );

    it.runIf(transport === 'ws')(
      'recovers a run when the WebSocket drops mid-run',
      async () => {
        const relay = await startRelay(GATEWAY_URL!);
        const relayed = await startServer(
          GATEWAY_TOKEN,
          { OPENCLAW_GATEWAY_URL: relay.url, READY_CACHE_MS: '0' },
          'ws',
        );
        try {
          await expect.poll(async () => (await fetch(`${relayed.base}/readyz`)).status, { timeout: 10_000 }).toBe(200);
          const pending = post(relayed.base, {
            messages: [{ role: 'user', content: 'FAKE_SLOW_3000 survive a drop' }],
          });
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          relay.cut();
          const response = await pending;
          expect(response.status).toBe(200);
          expect((await response.json()).choices[0].message.content).toMatch(/survive a drop/);
        } finally {
          await relayed.app.server.close();
          await relay.close();
        }
      },
      60_000,
    );
  },
);
