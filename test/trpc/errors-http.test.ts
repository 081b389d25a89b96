import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../src/chat/run.ts';
import { type ErrorCode, HTTP_STATUS } from '../../src/contract/errors.ts';
import { ask, marker, upstreamFor } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// tRPC over plain HTTP: what a client that is not @trpc/client sees (status, body), and what the operator's log
// gets, for malformed JSON and for each error code.

interface TrpcErrorBody {
  error: { message: string; data: { code: string; httpStatus: number; appCode: ErrorCode; path?: string } };
}

let server: TestServer;
const logLines: Array<Record<string, unknown>> = [];
let restoreLog: () => void;

/** Every line the server logs (pino's destination is shared by the request loggers, which are its children). */
function captureLog(target: TestServer): () => void {
  for (let o: object | null = target.app.server.log; o; o = Object.getPrototypeOf(o)) {
    const symbol = Object.getOwnPropertySymbols(o).find((s) => s.description === 'pino.stream');
    if (!symbol) continue;
    const stream = (o as Record<symbol, { write(line: string): boolean }>)[symbol]!;
    const write = stream.write;
    stream.write = (line: string) => {
      logLines.push(JSON.parse(line) as Record<string, unknown>);
      return true;
    };
    return () => {
      stream.write = write;
    };
  }
  throw new Error('no pino destination on the server logger');
}

beforeAll(async () => {
  server = await startTestServer({ env: { LOG_LEVEL: 'info' }, gateway: { disabled: ['responses'] } });
  restoreLog = captureLog(server);
});
afterAll(async () => {
  restoreLog();
  await server.close();
});

async function post(path: string, body: string) {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
    body,
  });
  return {
    status: res.status,
    requestId: res.headers.get('x-request-id'),
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as unknown,
  };
}

const MALFORMED = ['{"messages":', '{', 'not json', '{"messages":[],}'];

describe('malformed JSON', () => {
  it.each(MALFORMED)('%j: INVALID_INPUT in the words REST and GraphQL use, keeping the parser detail', async (raw) => {
    const rest = await post('/api/chat', raw);
    const restPrefix = (rest.body as { error: { message: string } }).error.message.split('(')[0];
    expect(restPrefix).toBe('The request body is not valid JSON ');

    const res = await post('/trpc/chat.send', raw);
    expect(res.status).toBe(400);
    const { error } = res.body as TrpcErrorBody;
    expect(error.message).toMatch(/^The request body is not valid JSON \(.+\)\.$/);
    expect(error.message.startsWith(restPrefix!)).toBe(true);
    expect(error.data).toMatchObject({ code: 'BAD_REQUEST', appCode: 'INVALID_INPUT', httpStatus: 400 });
  });

  it('in a batch: every call of the batch gets the same answer', async () => {
    const res = await post('/trpc/chat.send,chat.cancel?batch=1', '{"0":');
    expect(res.status).toBe(400);
    const calls = res.body as TrpcErrorBody[];
    expect(calls.map((c) => [c.error.data.path, c.error.data.appCode])).toEqual([
      ['chat.send', 'INVALID_INPUT'],
      ['chat.cancel', 'INVALID_INPUT'],
    ]);
    for (const call of calls) expect(call.error.message).toMatch(/^The request body is not valid JSON \(.+\)\.$/);
  });

  it('in a subscription’s `input` query parameter: named as such', async () => {
    const res = await fetch(`${server.baseUrl}/trpc/chat.events?input=%7B`, {
      headers: { 'x-api-key': server.apiKey, accept: 'text/event-stream' },
    });
    const text = await res.text();
    expect(text).toContain('event: serialized-error');
    expect(text).toMatch(/The `input` query parameter is not valid JSON \(/);
    expect(text).toContain('"appCode":"INVALID_INPUT"');
  });

  it('is logged at info with its code on the request’s logger (the line carries the request id)', async () => {
    const res = await post('/trpc/chat.send', '{"messages":');
    const line = logLines.find((l) => l.reqId === res.requestId && l.code === 'INVALID_INPUT');
    expect(line).toMatchObject({ level: 30, path: 'chat.send', msg: expect.stringMatching(/^The request body is/) });
  });
});

describe('HTTP status per error code: the same as on every other surface', () => {
  const cases: Array<[string, ErrorCode, () => ReturnType<typeof post>]> = [
    ['a schema failure', 'INVALID_INPUT', () => post('/trpc/chat.send', JSON.stringify({ messages: [] }))],
    ['an unknown run', 'NOT_FOUND', () => post('/trpc/chat.cancel', JSON.stringify({ runId: 'no-such-run' }))],
    ['FAKE_429', 'RATE_LIMITED', () => post('/trpc/chat.send', JSON.stringify(ask(`FAKE_429 ${marker()}`)))],
    ['FAKE_500', 'UPSTREAM_FAILED', () => post('/trpc/chat.send', JSON.stringify(ask(`FAKE_500 ${marker()}`)))],
  ];

  it.each(cases)('%s: %s', async (_label, appCode, call) => {
    const res = await call();
    const { error } = res.body as TrpcErrorBody;
    expect({ status: res.status, httpStatus: error.data.httpStatus, appCode: error.data.appCode }).toEqual({
      status: HTTP_STATUS[appCode],
      httpStatus: HTTP_STATUS[appCode],
      appCode,
    });
    // Answered errors are client or upstream failures: info, with the code, on the request's logger.
    expect(logLines.find((l) => l.reqId === res.requestId && l.code === appCode)).toMatchObject({ level: 30 });
  });

  it('RATE_LIMITED passes the gateway’s Retry-After on, as REST and GraphQL do', async () => {
    const res = await post('/trpc/chat.send', JSON.stringify(ask(`FAKE_429 ${marker()}`)));
    expect({ status: res.status, retryAfter: res.retryAfter }).toEqual({ status: 429, retryAfter: '7' });
  });

  it('CANCELLED: a chat.send whose run is cancelled answers 409', async () => {
    const runs: Run[] = [];
    const add = server.app.runs.add.bind(server.app.runs);
    server.app.runs.add = (run: Run) => {
      runs.push(run);
      add(run);
    };
    try {
      const m = marker('cancel');
      const pending = post('/trpc/chat.send', JSON.stringify(ask(`FAKE_HANG ${m}`)));
      await upstreamFor(server.gateway, m);
      const cancelled = await post('/trpc/chat.cancel', JSON.stringify({ runId: runs.at(-1)!.id }));
      expect(cancelled.body).toEqual({ result: { data: { cancelled: true } } });
      const res = await pending;
      expect(res.status).toBe(409);
      expect((res.body as TrpcErrorBody).error.data).toMatchObject({ code: 'CONFLICT', appCode: 'CANCELLED' });
    } finally {
      server.app.runs.add = add;
    }
  });

  it('an AppError whose status overrides its code’s keeps it: a disabled gateway endpoint is 502, not 503', async () => {
    const image = { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' };
    const res = await post('/trpc/chat.send', JSON.stringify(ask(marker('off'), { attachments: [image] })));
    expect(res.status).toBe(502);
    expect((res.body as TrpcErrorBody).error.data).toMatchObject({
      code: 'BAD_GATEWAY',
      appCode: 'UPSTREAM_UNAVAILABLE',
      httpStatus: 502,
    });
  });
});
