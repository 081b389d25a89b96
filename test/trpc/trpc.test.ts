import { type TRPCClient, TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../src/contract/chat.ts';
import type { AppRouter } from '../../src/trpc/router.ts';
import { FAKE_CHINESE_TEXT } from '../fake-gateway/fake-gateway.ts';
import {
  ask,
  checkStream,
  deferred,
  lastUserItem,
  marker,
  noUpstream,
  pngOfSize,
  TEXT_FILE_BASE64,
  TINY_PDF_BASE64,
  TINY_PNG_BASE64,
  upstreamFor,
} from '../helpers/fixtures.ts';
import { OTHER_API_KEY, startTestServer, type TestServer } from '../helpers/server.ts';
import { trpcClientAt } from '../helpers/trpc-client.ts';

// The tRPC router through @trpc/client (httpLink for mutations, httpSubscriptionLink over SSE for chat.events).

let server: TestServer;
let trpc: TRPCClient<AppRouter>;

const client = (target: TestServer, apiKey = target.apiKey) => trpcClientAt(target.baseUrl, { 'x-api-key': apiKey });

beforeAll(async () => {
  server = await startTestServer({ gateway: { deltaDelayMs: 20 } });
  trpc = client(server);
});
afterAll(() => server.close());

interface Events {
  events: ChatEvent[];
  /** tracked() ids as received, one per event. */
  ids: string[];
  error: unknown;
}

/**
 * Subscribes to chat.events until it completes or errors. `stopAfter` unsubscribes (closing the EventSource) once
 * that many events arrived.
 */
function events(
  input: { runId: string; lastEventId?: string },
  options: { via?: TRPCClient<AppRouter>; stopAfter?: number; onEvent?: (event: ChatEvent) => void } = {},
): Promise<Events> {
  const done = deferred<Events>();
  const out: Events = { events: [], ids: [], error: undefined };
  const subscription = (options.via ?? trpc).chat.events.subscribe(input, {
    onData: (tracked) => {
      out.ids.push(tracked.id);
      out.events.push(tracked.data);
      options.onEvent?.(tracked.data);
      if (options.stopAfter !== undefined && out.events.length >= options.stopAfter) {
        subscription.unsubscribe();
        done.resolve(out);
      }
    },
    onError: (error) => {
      out.error = error;
      done.resolve(out);
    },
    onComplete: () => done.resolve(out),
    onStopped: () => done.resolve(out),
  });
  return done.promise;
}

const neutral = (list: ChatEvent[]) =>
  list.map((e) => ({
    type: e.type,
    eventId: e.eventId,
    text: e.type === 'delta' ? e.text : undefined,
    content: e.type === 'completed' ? e.result.message.content : undefined,
  }));

async function failure(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCClientError);
    return error as TRPCClientError<AppRouter>;
  }
  throw new Error('expected a TRPCClientError');
}

function expectCodes(error: unknown, trpcCode: string, appCode: string) {
  const data = (error as TRPCClientError<AppRouter>).data as { code?: string; appCode?: string } | undefined;
  expect({ code: data?.code, appCode: data?.appCode }, String(error)).toEqual({ code: trpcCode, appCode });
}

describe('chat.send', () => {
  it('sends text and returns the ChatResult', async () => {
    const m = marker('send');
    const result = await trpc.chat.send.mutate(ask(`hello ${m}`));
    expect(result.message).toEqual({ role: 'assistant', content: expect.stringContaining(`ECHO: hello ${m}`) });
    expect(result.model).toBe('openclaw');
    expect(result.finishReason).toBe('stop');
    expect(result.usage?.totalTokens).toBeGreaterThan(0);
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.path).toBe('/v1/chat/completions');
  });

  it('sends an image as input_image on /v1/responses', async () => {
    const m = marker('img');
    const result = await trpc.chat.send.mutate(
      ask(`look ${m}`, { attachments: [{ type: 'image', data: TINY_PNG_BASE64, mimeType: 'image/png' }] }),
    );
    expect(result.message.content).toContain('images=1 files=0');
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.path).toBe('/v1/responses');
    expect(lastUserItem(upstream.body).content).toEqual([
      { type: 'input_text', text: `look ${m}` },
      { type: 'input_image', source: { type: 'base64', media_type: 'image/png', data: TINY_PNG_BASE64 } },
    ]);
  });

  it.each([
    ['a text file', 'notes.txt', TEXT_FILE_BASE64, 'text/plain'],
    ['a PDF', 'paper.pdf', TINY_PDF_BASE64, 'application/pdf'],
  ])('sends %s as input_file with its filename', async (_label, name, data, mediaType) => {
    const m = marker('file');
    const result = await trpc.chat.send.mutate(ask(`read ${m}`, { attachments: [{ type: 'file', name, data }] }));
    expect(result.message.content).toContain('images=0 files=1');
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.path).toBe('/v1/responses');
    expect(lastUserItem(upstream.body).content).toContainEqual({
      type: 'input_file',
      source: { type: 'base64', media_type: mediaType, data, filename: name },
    });
  });

  it('with `user`: session key header and only the new turn upstream', async () => {
    const m = marker('sess');
    await trpc.chat.send.mutate({
      messages: [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: `q2 ${m}` },
      ],
      user: 'trpc-user',
    });
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.headers['x-openclaw-session-key']).toMatch(/^minipro-[0-9a-f]{40}$/);
    expect(upstream.body.messages).toEqual([{ role: 'user', content: `q2 ${m}` }]);
  });
});

describe('chat.start + chat.events', () => {
  it('streams the run; tracked ids are the event ids; deltas add up to the result', async () => {
    const m = marker('start');
    const { runId } = await trpc.chat.start.mutate(ask(`stream ${m}`));
    const result = await events({ runId });
    expect(result.error).toBeUndefined();
    expect(result.ids).toEqual(result.events.map((e) => e.eventId));
    expect(checkStream(neutral(result.events))).toContain(`ECHO: stream ${m}`);
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.body.stream).toBe(true);
  });

  it('keeps Chinese text intact', async () => {
    const { runId } = await trpc.chat.start.mutate(ask(`FAKE_CHINESE ${marker('zh')}`));
    expect(checkStream(neutral((await events({ runId })).events))).toBe(FAKE_CHINESE_TEXT);
  });

  it('streams an image turn', async () => {
    const m = marker('simg');
    const { runId } = await trpc.chat.start.mutate(
      ask(`see ${m}`, { attachments: [{ type: 'image', data: TINY_PNG_BASE64, mimeType: 'image/png' }] }),
    );
    expect(checkStream(neutral((await events({ runId })).events))).toContain('images=1');
    expect((await upstreamFor(server.gateway, m)).path).toBe('/v1/responses');
  });

  it('resumes after a drop: chat.events({ lastEventId }) yields the rest, nothing lost or repeated', async () => {
    const { runId } = await trpc.chat.start.mutate(ask(`FAKE_DELTAS_30 ${marker('resume')}`));
    const first = await events({ runId }, { stopAfter: 4 });
    expect(first.events).toHaveLength(4);
    const lastEventId = first.events.at(-1)!.eventId;
    const rest = await events({ runId, lastEventId });
    expect(rest.error).toBeUndefined();
    expect(rest.events[0]?.eventId).toBe(String(Number(lastEventId) + 1));
    const text = checkStream(neutral([...first.events, ...rest.events]));
    expect(text).toBe(Array.from({ length: 30 }, (_, i) => ` w${i + 1}`).join(''));
  });

  it('chat.events without lastEventId on a finished run replays from event 1', async () => {
    const { runId } = await trpc.chat.start.mutate(ask(`replay ${marker('replay')}`));
    const live = await events({ runId });
    const replay = await events({ runId });
    expect(replay.events[0]?.eventId).toBe('1');
    expect(replay.events).toEqual(live.events);
  });

  it('FAKE_FAIL_500 in a stream ends with a failed event (UPSTREAM_FAILED), not a subscription error', async () => {
    const { runId } = await trpc.chat.start.mutate(ask(`FAKE_FAIL_500 ${marker('sf')}`));
    const result = await events({ runId });
    expect(result.error).toBeUndefined();
    expect(result.events.map((e) => e.type)).toEqual(['started', 'failed']);
    expect(result.events.at(-1)).toMatchObject({ type: 'failed', code: 'UPSTREAM_FAILED' });
  });
});

describe('chat.cancel', () => {
  it.each(['FAKE_HANG', 'FAKE_SILENT'])(
    'on a %s run: cancelled, the stream ends CANCELLED and the upstream request is closed',
    async (magic) => {
      const m = marker('cancel');
      const { runId } = await trpc.chat.start.mutate(ask(`${magic} ${m}`));
      const upstream = await upstreamFor(server.gateway, m);
      const started = deferred();
      const stream = events({ runId }, { onEvent: (e) => e.type === 'started' && started.resolve() });
      await started.promise;
      expect(await trpc.chat.cancel.mutate({ runId })).toEqual({ cancelled: true });
      const result = await stream;
      expect(result.error).toBeUndefined();
      expect(result.events.map((e) => e.type)).toEqual(['started', 'failed']);
      expect(result.events.at(-1)).toMatchObject({ type: 'failed', code: 'CANCELLED' });
      await upstream.closed;
      expect(upstream.closedEarly).toBe(true);
      expect(await trpc.chat.cancel.mutate({ runId })).toEqual({ cancelled: false });
    },
  );
});

describe('errors: TRPCError code and data.appCode', () => {
  it('BAD_REQUEST / INVALID_INPUT for a schema failure (zod), with a readable message', async () => {
    const error = await failure(trpc.chat.send.mutate({ messages: [] }));
    expectCodes(error, 'BAD_REQUEST', 'INVALID_INPUT');
    expect(error.message).toMatch(/messages/);
  });

  it.each([
    ['bad base64', { type: 'image' as const, data: '!!!!', mimeType: 'image/png' }, /base64/],
    [
      'a bad image MIME type',
      { type: 'image' as const, data: TINY_PNG_BASE64, mimeType: 'image/bmp' },
      /not supported/,
    ],
    [
      'a wxfile:// path without data',
      { type: 'file' as const, name: 'a.txt', url: 'wxfile://tmp_1.txt' },
      /device paths/,
    ],
  ])('BAD_REQUEST / INVALID_INPUT for %s, with no upstream call', async (_label, attachment, message) => {
    const m = marker('inv');
    const error = await failure(trpc.chat.send.mutate(ask(m, { attachments: [attachment] })));
    expectCodes(error, 'BAD_REQUEST', 'INVALID_INPUT');
    expect(error.message).toMatch(message);
    expect(noUpstream(server.gateway, m)).toBe(true);
  });

  it('BAD_REQUEST / INVALID_INPUT from chat.start too (before any run exists)', async () => {
    const error = await failure(trpc.chat.start.mutate({ messages: [{ role: 'assistant', content: 'x' }] }));
    expectCodes(error, 'BAD_REQUEST', 'INVALID_INPUT');
  });

  it('BAD_REQUEST / INVALID_INPUT for an event id the run never issued', async () => {
    const { runId } = await trpc.chat.start.mutate(ask(marker('badid')));
    const result = await events({ runId, lastEventId: '999' });
    expect(result.events).toEqual([]);
    expectCodes(result.error, 'BAD_REQUEST', 'INVALID_INPUT');
  });

  it('UNAUTHORIZED / UNAUTHENTICATED with a wrong key (mutation and subscription)', async () => {
    const wrong = client(server, 'wrong-key-0123456789abcdef');
    const m = marker('unauth');
    const error = await failure(wrong.chat.send.mutate(ask(m)));
    expectCodes(error, 'UNAUTHORIZED', 'UNAUTHENTICATED');
    expect(error.data?.httpStatus).toBe(401);
    expect(noUpstream(server.gateway, m)).toBe(true);
    const { runId } = await trpc.chat.start.mutate(ask(marker('owned')));
    const result = await events({ runId }, { via: wrong });
    expect(result.events).toEqual([]);
    expectCodes(result.error, 'UNAUTHORIZED', 'UNAUTHENTICATED');
  });

  it('UNAUTHORIZED / UNAUTHENTICATED with no key, in tRPC’s shape although refused before the body is read', async () => {
    const response = await fetch(`${server.baseUrl}/trpc/chat.send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ask(marker('nokey'))),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { message: string; data: Record<string, unknown> } };
    expect(body.error.message).toMatch(/Missing API key/);
    expect(body.error.data).toMatchObject({ code: 'UNAUTHORIZED', appCode: 'UNAUTHENTICATED', httpStatus: 401 });
    expect(body.error.data.path).toBe('chat.send');
  });

  it('NOT_FOUND for an unknown runId, and for another key’s run', async () => {
    expectCodes(await failure(trpc.chat.cancel.mutate({ runId: 'no-such-run' })), 'NOT_FOUND', 'NOT_FOUND');
    const { runId } = await trpc.chat.start.mutate(ask(marker('foreign')));
    const other = client(server, OTHER_API_KEY);
    expectCodes(await failure(other.chat.cancel.mutate({ runId })), 'NOT_FOUND', 'NOT_FOUND');
    const result = await events({ runId }, { via: other });
    expect(result.events).toEqual([]);
    expectCodes(result.error, 'NOT_FOUND', 'NOT_FOUND');
  });

  it('TOO_MANY_REQUESTS / RATE_LIMITED on FAKE_429', async () => {
    expectCodes(
      await failure(trpc.chat.send.mutate(ask(`FAKE_429 ${marker('429')}`))),
      'TOO_MANY_REQUESTS',
      'RATE_LIMITED',
    );
  });

  it.each(['FAKE_500', 'FAKE_FAIL_500'])('BAD_GATEWAY / UPSTREAM_FAILED on %s', async (magic) => {
    expectCodes(
      await failure(trpc.chat.send.mutate(ask(`${magic} ${marker('500')}`))),
      'BAD_GATEWAY',
      'UPSTREAM_FAILED',
    );
  });

  it('BAD_GATEWAY / UPSTREAM_AUTH when the gateway refuses our token', async () => {
    const other = await startTestServer({ gateway: { token: 'other' } });
    try {
      const error = await failure(client(other).chat.send.mutate(ask(marker('uauth'))));
      expectCodes(error, 'BAD_GATEWAY', 'UPSTREAM_AUTH');
    } finally {
      await other.close();
    }
  });

  it('SERVICE_UNAVAILABLE / UPSTREAM_UNAVAILABLE when the gateway is down', async () => {
    const down = await startTestServer({ gatewayUrl: 'http://127.0.0.1:9' });
    try {
      const error = await failure(client(down).chat.send.mutate(ask(marker('down'))));
      expectCodes(error, 'SERVICE_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE');
    } finally {
      await down.close();
    }
  });

  describe('with RUN_TIMEOUT_MS=1000 and MAX_IMAGE_BYTES=1000', () => {
    let tight: TestServer;
    beforeAll(async () => {
      tight = await startTestServer({ env: { RUN_TIMEOUT_MS: '1000', MAX_IMAGE_BYTES: '1000' } });
    });
    afterAll(() => tight.close());

    it('PAYLOAD_TOO_LARGE for an image over the limit, with no upstream call', async () => {
      const m = marker('big');
      const error = await failure(
        client(tight).chat.send.mutate(
          ask(m, { attachments: [{ type: 'image', data: pngOfSize(1002), mimeType: 'image/png' }] }),
        ),
      );
      expectCodes(error, 'PAYLOAD_TOO_LARGE', 'PAYLOAD_TOO_LARGE');
      expect(noUpstream(tight.gateway, m)).toBe(true);
    });

    it('GATEWAY_TIMEOUT / UPSTREAM_TIMEOUT on FAKE_HANG, and the upstream request is closed', async () => {
      const m = marker('timeout');
      const error = await failure(client(tight).chat.send.mutate(ask(`FAKE_HANG ${m}`)));
      expectCodes(error, 'GATEWAY_TIMEOUT', 'UPSTREAM_TIMEOUT');
      const upstream = await upstreamFor(tight.gateway, m);
      await upstream.closed;
      expect(upstream.closedEarly).toBe(true);
    });
  });
});
