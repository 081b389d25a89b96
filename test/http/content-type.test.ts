import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// A body that is not JSON is refused with 415 and the same actionable message on every surface, in its own shape.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

interface Bodies {
  error: { code: string; message: string; data: { appCode: string } };
  errors: Array<{ message: string; extensions: { code: string } }>;
}

const SURFACES = [
  ['/api/chat', (body: Bodies) => body.error],
  ['/graphql', ({ errors: [first] }: Bodies) => ({ code: first?.extensions.code, message: first?.message })],
  ['/trpc/chat.send', ({ error }: Bodies) => ({ code: error.data.appCode, message: error.message })],
] as const;

describe.each(SURFACES)('%s', (path, errorOf) => {
  it.each(['text/plain', 'application/x-www-form-urlencoded'])('a %s body → 415 saying to send JSON', async (type) => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': server.apiKey, 'content-type': type },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], query: '{ limits { maxImages } }' }),
    });
    expect(response.status).toBe(415);
    expect(errorOf((await response.json()) as Bodies)).toMatchObject({
      code: 'INVALID_INPUT',
      message: 'Unsupported Content-Type: send the body as application/json.',
    });
    expect(server.gateway.requests).toHaveLength(0);
  });
});
