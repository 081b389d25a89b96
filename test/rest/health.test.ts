/** /healthz, /readyz and unknown routes. */
import { afterAll, describe, expect, it } from 'vitest';
import { expectError, expectNoLeak } from '../helpers/rest.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const servers: TestServer[] = [];
async function start(options?: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer(options);
  servers.push(s);
  return s;
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('health', () => {
  it('GET /healthz needs no key and answers {ok:true}', async () => {
    const s = await start();
    const response = await fetch(`${s.baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(s.gateway.requests).toHaveLength(0);
  });

  it('GET /readyz → 200 with the gateway up', async () => {
    const s = await start();
    const response = await fetch(`${s.baseUrl}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ready: true });
  });

  it('GET /readyz → 503 with the gateway down', async () => {
    const s = await start({ gatewayUrl: 'http://127.0.0.1:9' });
    const response = await fetch(`${s.baseUrl}/readyz`);
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({ ready: false });
    expectNoLeak(text, 'http://127.0.0.1:9');
  });

  it('GET /readyz → 503 when the gateway refuses our token', async () => {
    const s = await start({ gateway: { token: 'other' } });
    const response = await fetch(`${s.baseUrl}/readyz`);
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({ ready: false });
    expectNoLeak(text, s.gateway.url);
  });

  it('GET /readyz → 503 when both gateway endpoints are disabled', async () => {
    const s = await start({ gateway: { disabled: ['chatCompletions', 'responses'] } });
    const response = await fetch(`${s.baseUrl}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ready: false });
  });

  it('an unknown route → 404 JSON error', async () => {
    const s = await start();
    const response = await fetch(`${s.baseUrl}/api/nope?x=1`);
    const error = await expectError(response, 404, 'NOT_FOUND');
    expect(error.message).toContain('/api/nope');
    expect(error.message).not.toContain('x=1');
  });

  it('GET /api/chat (wrong method) → 404 JSON error', async () => {
    const s = await start();
    const response = await fetch(`${s.baseUrl}/api/chat`, { headers: { 'x-api-key': s.apiKey } });
    await expectError(response, 404, 'NOT_FOUND');
  });
});
