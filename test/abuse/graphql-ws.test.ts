import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ask,
  CHAT_STREAM,
  checkStream,
  collectGql,
  deferred,
  fromGql,
  gql,
  marker,
  wsClient,
} from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// One bad operation on a graphql-ws socket is that operation's problem: its own `error` message, nothing else.

let server: TestServer;
const clients: Client[] = [];
beforeAll(async () => {
  server = await startTestServer({ gateway: { deltaDelayMs: 20 } });
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose();
});
afterAll(() => server.close());

function client(): Client {
  const created = wsClient(server);
  clients.push(created);
  return created;
}

/** Runs one operation to its end; resolves with its errors (a socket closing is a rejection, not an error). */
function errorsOf(socket: Client, query: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    socket.subscribe(
      { query },
      {
        next: () => {},
        error: (errors) => (Array.isArray(errors) ? resolve(errors) : reject(errors)),
        complete: () => resolve([]),
      },
    );
  });
}

const tokens = (n: number) => `{ limits { ${Array.from({ length: n }, () => 'maxImages').join(' ')} } }`;
const deep = (n: number): string => (n === 0 ? 'maxImages' : `... on Limits { ${deep(n - 1)} }`);

const INVALID: Array<[string, (m: string) => string, RegExp]> = [
  ['a syntax error', (m) => `{ limits { maxImages } # ${m}`, /Syntax Error/],
  ['over the token limit (thrown while parsing)', (m) => `# ${m}\n${tokens(2100)}`, /Token limit of 2000/],
  ['an unknown field', (m) => `# ${m}\n{ limits { nope } }`, /Cannot query field "nope"/],
  ['over the depth limit', (m) => `# ${m}\n{ limits { ${deep(13)} } }`, /Depth limit of 12/i],
];

describe.each(INVALID)('graphql-ws: %s', (_label, document, message) => {
  it('is an error for that operation id while a live subscription on the same socket goes on', async () => {
    const socket = client();
    const started = deferred();
    const live = collectGql(
      socket.iterate({ query: CHAT_STREAM, variables: { input: ask(`FAKE_DELTAS_20 ${marker('live')}`) } }),
      (event) => {
        if (event.__typename === 'ChatStarted') started.resolve();
        return false;
      },
    );
    await started.promise;
    const errors = await errorsOf(socket, document(marker('bad')));
    expect((errors as Array<{ message: string }>).map((error) => error.message).join('\n')).toMatch(message);
    const { events, errors: liveErrors } = await live;
    expect(liveErrors).toEqual([]);
    expect(checkStream(fromGql(events))).toBe(Array.from({ length: 20 }, (_, i) => ` w${i + 1}`).join(''));
    // The socket still takes new operations.
    expect(await errorsOf(socket, '{ limits { maxImages } }')).toEqual([]);
  });

  it('leaves the HTTP answer for the same document as it would be had graphql-ws never seen it', async () => {
    const first = document(marker('httpfirst'));
    const before = await gql(server.baseUrl, first, {}, { apiKey: server.apiKey });
    await errorsOf(client(), first);
    const again = await gql(server.baseUrl, first, {}, { apiKey: server.apiKey });
    expect({ status: again.status, errors: again.errors }).toEqual({ status: before.status, errors: before.errors });

    // Seen over graphql-ws first: same status and code as a document HTTP saw first.
    const wsFirst = document(marker('wsfirst'));
    await errorsOf(client(), wsFirst);
    const after = await gql(server.baseUrl, wsFirst, {}, { apiKey: server.apiKey });
    expect(after.status).toBe(before.status);
    expect(after.errors?.map((e) => e.extensions?.code)).toEqual(before.errors?.map((e) => e.extensions?.code));
  });
});
