import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// With WeChat sign-in on, callers without credentials may reach sign-in and refresh: nothing else, and never with a
// big body. Each request declares 20 MB and sends 64 KiB: only a server that answers before reading can answer.

const DECLARED = 20 * 1024 * 1024;
const SENT = 64 * 1024;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ wechat: true, apiKeys: [] });
});
afterAll(() => server.close());

function postPartial(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(DECLARED) },
    });
    const timer = setTimeout(() => reject(new Error(`${path}: no answer before the body`)), 5000);
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
        req.destroy();
      });
    });
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    req.write(Buffer.alloc(SENT, 'a'));
  });
}

describe('sign-in surfaces against callers without credentials', () => {
  it.each([
    ['/graphql', 401],
    ['/trpc/auth.signInWithWechat', 401],
    ['/api/chat', 401],
    ['/api/auth/wechat', 413],
    ['/api/auth/refresh', 413],
  ])('%s refuses a declared 20 MB body (%i) before reading it', async (path, status) => {
    const answer = await postPartial(path);
    expect(answer.status).toBe(status);
  });

  it('runs nothing but sign-in for a guest, whatever the operation', async () => {
    const query = encodeURIComponent('{ limits { maxImages } }');
    const get = await fetch(`${server.baseUrl}/graphql?query=${query}`, {
      headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
    });
    expect(get.status).toBe(401);
    expect(await get.text()).not.toMatch(/"maxImages"/);
    const mixed = await fetch(`${server.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { signOut refreshSession(refreshToken: "x") { accessToken } }' }),
    });
    expect(mixed.status).toBe(401);
    const fragment = await fetch(`${server.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query { ...F } fragment F on Query { limits { maxImages } }' }),
    });
    expect(fragment.status).toBe(401);
    expect(server.gateway.requests).toHaveLength(0);
  });
});
