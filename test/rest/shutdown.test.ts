import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGateway, startFakeGateway } from '../fake-gateway/fake-gateway.ts';
import { upstreamFor } from '../helpers/fixtures.ts';
import { spawnInstance, stopInstances } from '../helpers/instances.ts';
import { dataPayloads, postChat, readSse, userMessage } from '../helpers/rest.ts';
import { startTestServer } from '../helpers/server.ts';

/** A deploy (SIGTERM → server.close) must end open streams with a retryable error and abort the agent runs. */
describe('shutting down with open streams', () => {
  it('ends each stream with UPSTREAM_UNAVAILABLE and [DONE], and closes the upstream requests', async () => {
    const server = await startTestServer();
    try {
      const response = await postChat(server, { stream: true, messages: [userMessage('FAKE_SILENT')] });
      const [upstream] = await server.gateway.waitForRequests(1);
      const read = readSse(response);
      await server.app.server.close();
      const { frames } = await read;
      const payloads = dataPayloads(frames);
      expect(payloads.at(-1)).toBe('[DONE]');
      expect(payloads.at(-2).error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', type: 'upstream_error' });
      await upstream!.closed;
      expect(upstream!.closedEarly).toBe(true);
    } finally {
      await server.gateway.close();
    }
  });
});

/** SIGTERM on a real process (one instance, no Redis): drain within SHUTDOWN_GRACE_MS, then exit 0. */
describe('SIGTERM on a server process', () => {
  const KEY = 'sigterm-key-0123456789abcdef';
  let gateway: FakeGateway;
  beforeAll(async () => {
    gateway = await startFakeGateway({ token: 'fake-token' });
  });
  afterAll(async () => gateway?.close());

  const boot = (grace: string) =>
    spawnInstance({
      API_KEYS: KEY,
      OPENCLAW_GATEWAY_URL: gateway.url,
      OPENCLAW_GATEWAY_TOKEN: 'fake-token',
      OPENCLAW_TRANSPORT: 'http',
      DATABASE_URL: 'sqlite::memory:',
      SHUTDOWN_GRACE_MS: grace,
    });
  const chat = (url: string, content: string) =>
    fetch(`${url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY },
      body: JSON.stringify({ stream: true, messages: [userMessage(content)] }),
    });

  it('lets a running answer finish within the grace period, refuses new connections, exits 0', async () => {
    const instance = await boot('10000');
    try {
      const response = await chat(instance.url, 'FAKE_DELTAS_20 FAKE_PACE_25');
      let signalled = false;
      let refused: Promise<string> | undefined;
      const { frames } = await readSse(response, {
        onFrame: (frame) => {
          if (!signalled && frame.data?.includes('"content"')) {
            signalled = true;
            instance.child.kill('SIGTERM');
            // While the answer still streams (19 more deltas, 25 ms apart), new connections are refused.
            refused = new Promise((resolve) => setTimeout(resolve, 100)).then(() =>
              chat(instance.url, 'new work').then(
                (r) => `accepted ${r.status}`,
                () => 'refused',
              ),
            );
          }
        },
      });
      const payloads = dataPayloads(frames);
      expect(payloads.at(-1)).toBe('[DONE]');
      expect(payloads.at(-2).choices[0].finish_reason).toBe('stop');
      expect(payloads.filter((p) => p !== '[DONE]' && p.choices?.[0]?.delta?.content).length).toBe(20);
      expect(await refused).toBe('refused');
      expect(await instance.exited).toBe(0);
    } finally {
      await stopInstances([instance]);
    }
  });

  it('cuts what still runs when the grace period ends: a retryable UPSTREAM_UNAVAILABLE, then exit 0', async () => {
    const instance = await boot('300');
    try {
      const response = await chat(instance.url, 'FAKE_SILENT');
      const read = readSse(response);
      await upstreamFor(gateway, 'FAKE_SILENT');
      instance.child.kill('SIGTERM');
      const payloads = dataPayloads((await read).frames);
      expect(payloads.at(-1)).toBe('[DONE]');
      expect(payloads.at(-2).error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
      expect(await instance.exited).toBe(0);
    } finally {
      await stopInstances([instance]);
    }
  });
});
