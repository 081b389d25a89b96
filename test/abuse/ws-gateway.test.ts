/**
 * The gateway's WebSocket protocol as the attacker: floods of our run's deltas, floods of other users' events on
 * the shared connection, a chat.send never acknowledged, oversize attachments. Through the real server (ws
 * transport); each must end in a precise error with bounded memory, and the shared connection must survive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureBounds, reportBounds } from '../helpers/bounds.ts';
import { startWsTestServer, type WsTestServer } from '../helpers/ws-server.ts';

const KiB = 1024;
let server: WsTestServer;

beforeAll(async () => {
  server = await startWsTestServer({
    env: {
      UPSTREAM_MAX_ANSWER_BYTES: String(256 * KiB),
      OPENCLAW_WS_REQUEST_TIMEOUT_MS: '2000',
      RUN_TIMEOUT_MS: '20000',
    },
  });
});
afterAll(async () => {
  await server.close();
});

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON in assertions
async function chat(content: string, extra: Record<string, unknown> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.baseUrl}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
    body: JSON.stringify({ messages: [{ role: 'user', content }], ...extra }),
  });
  return { status: response.status, body: await response.json() };
}

async function expectStillServes(): Promise<void> {
  const { status, body } = await chat('still there');
  expect(status).toBe(200);
  expect(body.choices[0].message.content).toBe('ECHO: still there | images=0');
}

describe('a hostile ws gateway', () => {
  it('a flood of 64 MiB of deltas for our run fails it at the answer cap (UPSTREAM_FAILED), memory bounded', async () => {
    const bounds = await measureBounds(() => chat('FAKE_FLOOD_1024'));
    reportBounds('ws delta flood 1024×64 KiB, cap 256 KiB', bounds);
    expect(bounds.value.status).toBe(502);
    expect(bounds.value.body.error.code).toBe('UPSTREAM_FAILED');
    // The flood is 64 MiB; kept would be far more than this.
    expect(bounds.rssGrowthMiB).toBeLessThan(48);
    // The gateway's run is stopped too, not left flooding.
    const send = server.gateway.requests.findLast((r) => r.method === 'chat.send');
    await expect
      .poll(() =>
        server.gateway.requests.some(
          (r) => r.method === 'chat.abort' && r.params.runId === send?.params.idempotencyKey,
        ),
      )
      .toBe(true);
    await expectStillServes();
  });

  it('other users’ events (400 × 64 KiB) on the shared connection are dropped unread: our answer is intact', async () => {
    const bounds = await measureBounds(() => chat('FAKE_FOREIGN_400 mine'));
    reportBounds('ws foreign flood 400×64 KiB', bounds);
    expect(bounds.value.status).toBe(200);
    expect(bounds.value.body.choices[0].message.content).toBe('ECHO: FAKE_FOREIGN_400 mine | images=0');
    expect(JSON.stringify(bounds.value.body)).not.toContain('other user text');
  });

  it('a chat.send never acknowledged ends in UPSTREAM_TIMEOUT after OPENCLAW_WS_REQUEST_TIMEOUT_MS', async () => {
    const { status, body } = await chat('FAKE_NO_ACK');
    expect(status).toBe(504);
    expect(body.error.code).toBe('UPSTREAM_TIMEOUT');
    await expectStillServes();
  });

  it('an attachment frame over the gateway’s maxPayload is our 413, nothing is sent and the connection stays', async () => {
    const file = Buffer.alloc(4 * 1024 * 1024, 0x41).toString('base64');
    const before = server.gateway.requests.length;
    const { status, body } = await chat('big', {
      attachments: [1, 2, 3, 4].map((i) => ({
        type: 'file',
        name: `notes${i}.txt`,
        mimeType: 'text/plain',
        data: file,
      })),
    });
    expect(status).toBe(413);
    expect(body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(server.gateway.requests.length).toBe(before);
    expect(server.gateway.connections()).toBe(1);
    await expectStillServes();
  });
});
