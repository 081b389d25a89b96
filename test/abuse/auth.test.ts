import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureBounds } from '../helpers/bounds.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Callers with no key: refused before any body is read, and never handed a GraphQL operation on header say-so.

const BODY_BYTES = 20 * 1024 * 1024;
const SURFACES = [
  ['/trpc/chat.send', 'tRPC'],
  ['/graphql', 'GraphQL'],
  ['/api/chat', 'REST'],
] as const;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** A 20 MB JSON chat request, valid all the way, so a server that reads it also parses it. */
function hugeBody(): Buffer {
  const head = '{"query":"mutation { x }","messages":[{"role":"user","content":"';
  const tail = '"}]}';
  return Buffer.concat([
    Buffer.from(head),
    Buffer.alloc(BODY_BYTES - head.length - tail.length, 'a'),
    Buffer.from(tail),
  ]);
}

interface Answer {
  status: number;
  body: string;
}

/**
 * POSTs with a Content-Length of `declared` bytes but only writes `sent` of them (all when omitted), then waits for
 * the answer. A server that authenticates before reading the body answers at once; one that reads first never does.
 */
function post(path: string, body: Buffer, sent = body.length): Promise<Answer> {
  return send('POST', path, { 'content-type': 'application/json', 'content-length': String(body.length) }, (req) => {
    req.write(body.subarray(0, sent));
    if (sent === body.length) req.end();
  });
}

/** node:http, not fetch: undici refuses to send an `Upgrade` header. */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  write: (req: ReturnType<typeof httpRequest>) => void = (req) => req.end(),
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.baseUrl}${path}`, { method, headers });
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
        req.destroy();
      });
    });
    req.on('error', reject);
    write(req);
  });
}

async function within<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a caller with no key is refused before its body is read', () => {
  const body = hugeBody();

  it.each(SURFACES)('%s (%s) answers 401 after the first 64 KiB of a declared 20 MB body', async (path, label) => {
    const answer = await within(post(path, body, 64 * 1024), 5000, label);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatch(/Missing API key/);
  });

  it.each(SURFACES)('%s (%s): two full 20 MB bodies cost bounded RSS and event-loop delay', async (path, label) => {
    const bounds = await measureBounds(() => Promise.all([post(path, body), post(path, body)]));
    console.info(
      `${label}, no key, 2×20 MB: RSS +${bounds.rssGrowthMiB.toFixed(1)} MiB, ` +
        `max event-loop delay ${bounds.maxEventLoopDelayMs.toFixed(0)} ms, ${bounds.elapsedMs.toFixed(0)} ms`,
    );
    expect(bounds.value.map((answer) => answer.status)).toEqual([401, 401]);
    // Reading and parsing them costs hundreds of MiB and over a second of blocked loop; refusing them neither.
    expect(bounds.rssGrowthMiB).toBeLessThan(60);
    expect(bounds.maxEventLoopDelayMs).toBeLessThan(150);
  });
});

describe('GraphQL: no key, no operation, whatever the headers say', () => {
  const path = `/graphql?query=${encodeURIComponent('{ limits { maxImages } }')}`;

  it('GET with Accept: text/html and a query → the GraphiQL page (it keeps the query in its URL), nothing executed', async () => {
    const answer = await send('GET', path, { accept: 'text/html, application/json' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/<html/i);
    expect(answer.body).not.toMatch(/"maxImages":\d/);
  });

  it('with GraphiQL off, GET with Accept: text/html and a query → 401, nothing executed', async () => {
    const locked = await startTestServer({ env: { GRAPHIQL: 'false' } });
    try {
      const response = await fetch(`${locked.baseUrl}${path}`, { headers: { accept: 'text/html, application/json' } });
      expect(response.status).toBe(401);
      expect(await response.text()).toMatch(/UNAUTHENTICATED/);
    } finally {
      await locked.close();
    }
  });

  it.each(['h2c', 'websocket'])(
    'GET with a bogus `Upgrade: %s` header and a query → 401, nothing executed',
    async (upgrade) => {
      const answer = await send('GET', path, { accept: 'application/json', upgrade, 'x-graphql-yoga-csrf': '1' });
      expect(answer.status, answer.body).toBe(401);
      expect(answer.body).not.toMatch(/"maxImages"/);
    },
  );

  it('an upgrade that is no websocket handshake is refused by ws itself, nothing executed', async () => {
    const answer = await send('GET', path, { connection: 'Upgrade', upgrade: 'websocket', 'x-graphql-yoga-csrf': '1' });
    expect(answer.status).toBe(400);
    expect(answer.body).not.toMatch(/"maxImages"/);
  });

  it('a CORS preflight needs no key and runs nothing, even with a query', async () => {
    const answer = await send('OPTIONS', path, {
      origin: 'https://h5.example.com',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'x-api-key, content-type',
    });
    expect(answer.status).toBe(204);
    expect(answer.body).toBe('');
  });

  it('the GraphiQL page itself (HTML, no operation) still needs no key', async () => {
    const response = await fetch(`${server.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
  });
});
