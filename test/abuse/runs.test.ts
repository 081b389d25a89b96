import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/chat/principal.ts';
import type { SendChatInput } from '../../src/contract/chat.ts';
import { pngOfSize } from '../helpers/fixtures.ts';
import { type HostileGateway, startHostileGateway } from '../helpers/hostile-gateway.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MiB = 1024 * 1024;

async function collect(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / MiB;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

/** A turn carrying an 8 MiB image of its own; only a WeakRef to its message is kept. */
function bigTurn(user?: string): { input: SendChatInput; message: WeakRef<object> } {
  const message = { role: 'user' as const, content: 'describe this' };
  const input: SendChatInput = {
    messages: [message],
    attachments: [{ type: 'image', mimeType: 'image/png', data: pngOfSize(8 * MiB) }],
    ...(user ? { user } : {}),
  };
  return { input, message: new WeakRef(message) };
}

describe('abuse: cancelled runs', () => {
  let gateway: HostileGateway;
  let server: TestServer;
  let principal: Principal;
  beforeAll(async () => {
    // The agent never answers: every run stays in flight until cancelled.
    gateway = await startHostileGateway(() => {});
    // Room for the queued-turn test's cancelled runs: a run leaves the per-user count a microtask after it ends.
    server = await startTestServer({ gatewayUrl: gateway.url, env: { MAX_ACTIVE_RUNS_PER_USER: '64' } });
    principal = await server.app.authenticate({ 'x-api-key': server.apiKey });
  });
  afterAll(async () => {
    await server.close();
    await gateway.close();
  });

  it('release their request (attachments included) at once, not when retention ends', async () => {
    const baseline = await collect();
    const refs: WeakRef<object>[] = [];
    // In a helper: a suspended async frame of the test would otherwise keep the last input itself.
    const startAndCancel = async () => {
      const { input, message } = bigTurn();
      const sent = gateway.received.length;
      const run = server.app.service.start(principal, input, { stream: true });
      await until(() => gateway.received.length > sent, 'the upstream request');
      expect(run.cancel()).toBe(true);
      return message;
    };
    for (let i = 0; i < 8; i++) refs.push(await startAndCancel());
    const growth = (await collect()) - baseline;
    console.info(
      `cancelled in flight: ${refs.filter((r) => r.deref()).length}/8 requests still reachable, heap +${growth.toFixed(1)} MiB`,
    );
    expect(refs.filter((r) => r.deref())).toHaveLength(0);
    expect(growth).toBeLessThan(40);
  });

  it('release a turn cancelled while it waits behind its session’s previous turn', async () => {
    const first = server.app.service.start(principal, bigTurn('alice').input, { stream: true });
    const baseline = await collect();
    const refs: WeakRef<object>[] = [];
    const startAndCancel = () => {
      const { input, message } = bigTurn('alice');
      expect(server.app.service.start(principal, input, { stream: true }).cancel()).toBe(true);
      return message;
    };
    for (let i = 0; i < 12; i++) refs.push(startAndCancel());
    const growth = (await collect()) - baseline;
    console.info(
      `cancelled while queued: ${refs.filter((r) => r.deref()).length}/12 requests still reachable, heap +${growth.toFixed(1)} MiB`,
    );
    expect(refs.filter((r) => r.deref())).toHaveLength(0);
    expect(growth).toBeLessThan(40);
    first.cancel();
  });

  it('release what they hold through the real server: REST streams the client walks away from', async () => {
    const baseline = await collect();
    const walkAway = async (data: string) => {
      const client = new AbortController();
      const sent = gateway.received.length;
      const response = await fetch(`${server.baseUrl}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
        body: JSON.stringify({
          stream: true,
          messages: [{ role: 'user', content: 'describe this' }],
          attachments: [{ type: 'image', mimeType: 'image/png', data }],
        }),
        signal: client.signal,
      });
      await until(() => gateway.received.length > sent, 'the upstream request');
      client.abort();
      await response.body?.cancel().catch(() => {});
    };
    for (let i = 0; i < 8; i++) await walkAway(pngOfSize(8 * MiB));
    await until(() => server.app.runs.activeFor(principal.id) === 0, 'the runs to end');
    const growth = (await collect()) - baseline;
    console.info(`REST streams walked away from: heap +${growth.toFixed(1)} MiB for 8 x 8 MiB images`);
    expect(growth).toBeLessThan(20);
  });
});

describe('abuse: one user of a shared key holding runs open', () => {
  let gateway: HostileGateway;
  let server: TestServer;
  beforeAll(async () => {
    gateway = await startHostileGateway(() => {});
    server = await startTestServer({
      gatewayUrl: gateway.url,
      env: { MAX_ACTIVE_RUNS_PER_USER: '2', MAX_ACTIVE_RUNS_PER_KEY: '5' },
    });
  });
  afterAll(async () => {
    await server.close();
    await gateway.close();
  });

  const stream = (user: string, signal: AbortSignal) =>
    fetch(`${server.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
      body: JSON.stringify({ stream: true, user, messages: [{ role: 'user', content: 'hold on' }] }),
      signal,
    });

  it('cannot lock the key’s other users out: it gets RATE_LIMITED at its own cap, they still get in', async () => {
    const client = new AbortController();
    try {
      const greedy = await Promise.all(Array.from({ length: 5 }, () => stream('greedy', client.signal)));
      const statuses = greedy.map((response) => response.status);
      console.info(`greedy user's 5 streams: ${statuses.join(', ')}`);
      expect(statuses.filter((status) => status === 200)).toHaveLength(2);
      const refused = greedy.find((response) => response.status === 429)!;
      expect(refused.headers.get('retry-after')).toBe('2');
      expect((await refused.json()).error).toMatchObject({
        code: 'RATE_LIMITED',
        message: expect.stringMatching(/per-user limit/),
      });
      const other = await stream('someone-else', client.signal);
      expect(other.status).toBe(200);
    } finally {
      client.abort();
    }
  });
});
