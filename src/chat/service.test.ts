import { afterEach, describe, expect, it } from 'vitest';
import { thrown } from '../../test/helpers/app-error.ts';
import { loadConfig } from '../config/env.ts';
import type { ChatEvent, SendChatInput } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import { UpstreamHttpError } from '../gateway/errors.ts';
import type { Completion, GatewayEvent } from '../gateway/events.ts';
import type { GatewayChatRequest } from '../gateway/translate.ts';
import { RunRegistry } from './run-registry.ts';
import { type ChatGateway, ChatService } from './service.ts';
import { sessionKeyFor } from './session.ts';

const alice = { id: 'key_alice' };
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGP4z8AARwzEcQCukw/x0F8jngAAAABJRU5ErkJggg==';

type Step = Completion | Error;

/** Records every request; answers complete() from a script and stream() from event lists. */
class FakeGateway implements ChatGateway {
  readonly requests: GatewayChatRequest[] = [];
  readonly signals: AbortSignal[] = [];
  readonly completions: Step[] = [];
  readonly streams: Array<GatewayEvent[] | ((signal: AbortSignal) => AsyncIterable<GatewayEvent>)> = [];

  async complete(request: GatewayChatRequest, signal: AbortSignal): Promise<Completion> {
    this.requests.push(request);
    this.signals.push(signal);
    const step = this.completions.shift() ?? { text: 'ok', finishReason: 'stop', usage: null };
    if (step instanceof Error) throw step;
    return step;
  }

  async *stream(request: GatewayChatRequest, signal: AbortSignal): AsyncIterable<GatewayEvent> {
    this.requests.push(request);
    this.signals.push(signal);
    const script = this.streams.shift() ?? [];
    if (typeof script === 'function') yield* script(signal);
    else yield* script;
  }
}

const registries: RunRegistry[] = [];
function setup(maxEventBytes?: number) {
  const gateway = new FakeGateway();
  const runs = new RunRegistry({ retentionMs: 60_000, maxRetainedBytes: 10_000_000, maxActiveRunsPerPrincipal: 8 });
  registries.push(runs);
  const errors: AppError[] = [];
  const service = new ChatService({
    gateway,
    runs,
    limits: loadConfig({ ALLOW_ANONYMOUS: 'true' }).limits,
    runTimeoutMs: 30_000,
    maxEventBytes,
    onError: (error) => errors.push(error),
  });
  return { gateway, runs, service, errors };
}
afterEach(() => {
  for (const r of registries.splice(0)) r.close();
});

async function events(iterable: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

const conversation: SendChatInput['messages'] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'q1' },
  { role: 'assistant', content: 'a1' },
  { role: 'system', content: 'Answer in Chinese.' },
  { role: 'user', content: 'q2' },
];

describe('ChatService request shaping', () => {
  it('stateless (no user): sends the full history, no session key, model openclaw', async () => {
    const { gateway, service } = setup();
    const result = await service.send(alice, { messages: conversation });
    expect(result.message).toEqual({ role: 'assistant', content: 'ok' });
    expect(gateway.requests).toEqual([
      {
        model: 'openclaw',
        messages: conversation,
        attachments: [],
        sessionKey: undefined,
        stream: false,
        runId: result.runId,
      },
    ]);
  });

  it('with user: only system messages before the last assistant turn + everything after it, with a session key', async () => {
    const { gateway, service } = setup();
    await service.send(alice, { messages: conversation, user: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE' });
    expect(gateway.requests).toHaveLength(1);
    expect(gateway.requests[0]).toEqual({
      model: 'openclaw',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'system', content: 'Answer in Chinese.' },
        { role: 'user', content: 'q2' },
      ],
      attachments: [],
      sessionKey: sessionKeyFor(alice, 'oGZUI0egBJY1zhBYw2KhdUfwVJJE'),
      stream: false,
      runId: expect.any(String),
    });
  });

  it('with user and no assistant turn yet: sends everything', async () => {
    const { gateway, service } = setup();
    const messages: SendChatInput['messages'] = [
      { role: 'system', content: 's' },
      { role: 'user', content: 'u' },
    ];
    await service.send(alice, { messages, user: 'u1' });
    expect(gateway.requests[0]!.messages).toEqual(messages);
  });

  it('agentId → model openclaw/<id>, overriding model', async () => {
    const { gateway, service } = setup();
    const result = await service.send(alice, {
      messages: [{ role: 'user', content: 'hi' }],
      agentId: 'research',
      model: 'openclaw/other',
    });
    expect(gateway.requests[0]!.model).toBe('openclaw/research');
    expect(result.model).toBe('openclaw/research');
  });

  it('model passes through when no agentId', async () => {
    const { gateway, service } = setup();
    await service.send(alice, { messages: [{ role: 'user', content: 'hi' }], model: 'openclaw/main' });
    expect(gateway.requests[0]!.model).toBe('openclaw/main');
  });

  it('last message not from the user → INVALID_INPUT before any run exists', () => {
    const { gateway, runs, service } = setup();
    const error = thrown(() => service.start(alice, { messages: conversation.slice(0, 3) }, { stream: true }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(runs.size).toBe(0);
    expect(gateway.requests).toHaveLength(0);
  });

  it('an empty user message without attachments → INVALID_INPUT', () => {
    const { service } = setup();
    expect(thrown(() => service.prepare(alice, { messages: [{ role: 'user', content: '  ' }] })).code).toBe(
      'INVALID_INPUT',
    );
  });

  it('validates attachments and passes them on; an image-only turn is allowed', async () => {
    const { gateway, service } = setup();
    await service.send(alice, {
      messages: [{ role: 'user', content: '' }],
      attachments: [{ type: 'image', data: PNG_B64, mimeType: 'image/png' }],
    });
    expect(gateway.requests[0]!.attachments).toEqual([
      { kind: 'image', mimeType: 'image/png', data: PNG_B64, bytes: Buffer.from(PNG_B64, 'base64').length },
    ]);
  });

  it('bad attachments → the validator’s error, no run', () => {
    const { runs, service } = setup();
    const error = thrown(() =>
      service.start(
        alice,
        {
          messages: [{ role: 'user', content: 'x' }],
          attachments: [{ type: 'file', name: 'a.pdf', url: 'wxfile://a' }],
        },
        { stream: false },
      ),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(runs.size).toBe(0);
  });
});

describe('ChatService first-turn race retry', () => {
  it('retries a 500 once when a session key is set', async () => {
    const { gateway, service } = setup();
    gateway.completions.push(new UpstreamHttpError(500, 'UPSTREAM_FAILED', 'x'), {
      text: 'second try',
      finishReason: 'stop',
      usage: null,
    });
    const result = await service.send(alice, { messages: [{ role: 'user', content: 'hi' }], user: 'u1' });
    expect(result.message.content).toBe('second try');
    expect(gateway.requests).toHaveLength(2);
    expect(gateway.requests[1]).toEqual(gateway.requests[0]);
  });

  it('retries only once', async () => {
    const { gateway, service } = setup();
    gateway.completions.push(
      new UpstreamHttpError(500, 'UPSTREAM_FAILED', 'first'),
      new UpstreamHttpError(500, 'UPSTREAM_FAILED', 'second'),
    );
    const error = (await service
      .send(alice, { messages: [{ role: 'user', content: 'hi' }], user: 'u1' })
      .catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(error.message).toBe('second');
    expect(gateway.requests).toHaveLength(2);
  });

  it('does not retry without a session key', async () => {
    const { gateway, service, errors } = setup();
    gateway.completions.push(new UpstreamHttpError(500, 'UPSTREAM_FAILED', 'x'));
    const error = (await service
      .send(alice, { messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(gateway.requests).toHaveLength(1);
    expect(errors.map((e) => e.code)).toEqual(['UPSTREAM_FAILED']);
  });

  it('does not retry other statuses', async () => {
    const { gateway, service } = setup();
    gateway.completions.push(new UpstreamHttpError(502, 'UPSTREAM_FAILED', 'x'));
    await expect(service.send(alice, { messages: [{ role: 'user', content: 'hi' }], user: 'u1' })).rejects.toThrow('x');
    expect(gateway.requests).toHaveLength(1);
  });

  it('does not retry a stream that already produced deltas', async () => {
    const { gateway, service } = setup();
    gateway.streams.push(async function* () {
      yield { type: 'delta', text: 'partial' } as GatewayEvent;
      throw new UpstreamHttpError(500, 'UPSTREAM_FAILED', 'mid-stream');
    });
    const run = service.start(alice, { messages: [{ role: 'user', content: 'hi' }], user: 'u1' }, { stream: true });
    const all = await events(run.subscribe());
    expect(all.map((e) => e.type)).toEqual(['started', 'delta', 'failed']);
    expect(gateway.requests).toHaveLength(1);
  });
});

describe('ChatService streaming runs', () => {
  it('gateway events flow into the run: started, deltas, completed with the result', async () => {
    const { gateway, service } = setup();
    gateway.streams.push([
      { type: 'delta', text: '你好，' },
      { type: 'delta', text: '看图 ![猫](https://cdn.example.com/cat.png)' },
      {
        type: 'completed',
        text: '你好，看图 ![猫](https://cdn.example.com/cat.png)',
        finishReason: 'stop',
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
      },
    ]);
    const run = service.start(alice, { messages: [{ role: 'user', content: 'hi' }] }, { stream: true });
    const all = await events(run.subscribe());
    expect(gateway.requests[0]!.stream).toBe(true);
    expect(all.map((e) => [e.eventId, e.type])).toEqual([
      ['1', 'started'],
      ['2', 'delta'],
      ['3', 'delta'],
      ['4', 'completed'],
    ]);
    expect(all.at(-1)).toEqual({
      type: 'completed',
      runId: run.id,
      eventId: '4',
      result: {
        runId: run.id,
        model: 'openclaw',
        message: { role: 'assistant', content: '你好，看图 ![猫](https://cdn.example.com/cat.png)' },
        finishReason: 'stop',
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
        attachments: [{ type: 'image', url: 'https://cdn.example.com/cat.png', name: '猫' }],
        aiGenerated: true,
        label: null,
      },
    });
    expect(run.status).toBe('completed');
  });

  it('an in-band failure fails the run with its code', async () => {
    const { gateway, service, errors } = setup();
    gateway.streams.push([
      { type: 'delta', text: 'a' },
      { type: 'failed', error: new AppError('UPSTREAM_FAILED', 'The agent failed to answer. Try again later.') },
    ]);
    const run = service.start(alice, { messages: [{ role: 'user', content: 'hi' }] }, { stream: true });
    const all = await events(run.subscribe());
    expect(all.at(-1)).toEqual({
      type: 'failed',
      runId: run.id,
      eventId: '3',
      code: 'UPSTREAM_FAILED',
      message: 'The agent failed to answer. Try again later.',
    });
    expect(run.status).toBe('failed');
    await expect(run.result).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });
    expect(errors).toHaveLength(1);
  });

  it('a stream that ends without completed fails the run', async () => {
    const { gateway, service } = setup();
    gateway.streams.push([{ type: 'delta', text: 'a' }]);
    const run = service.start(alice, { messages: [{ role: 'user', content: 'hi' }] }, { stream: true });
    const last = (await events(run.subscribe())).at(-1)!;
    expect(last.type === 'failed' && last.code).toBe('UPSTREAM_FAILED');
  });

  it('a non-AppError thrown by the gateway becomes INTERNAL', async () => {
    const { gateway, service } = setup();
    gateway.completions.push(new TypeError('bug'));
    const error = (await service
      .send(alice, { messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('INTERNAL');
    expect(error.message).not.toContain('bug');
  });

  it('cancel aborts the gateway signal and fails the run with CANCELLED', async () => {
    const { gateway, service, errors } = setup();
    gateway.streams.push(async function* (signal) {
      yield { type: 'delta', text: 'thinking' } as GatewayEvent;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      throw signal.reason;
    });
    const run = service.start(alice, { messages: [{ role: 'user', content: 'hi' }] }, { stream: true });
    const seen: ChatEvent[] = [];
    for await (const event of run.subscribe()) {
      seen.push(event);
      if (event.type === 'delta') expect(service.cancel(alice, run.id)).toBe(true);
    }
    expect(seen.map((e) => e.type)).toEqual(['started', 'delta', 'failed']);
    expect(seen.at(-1)).toMatchObject({ code: 'CANCELLED' });
    expect(gateway.signals[0]!.aborted).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual([]);
    expect(service.cancel(alice, run.id)).toBe(false);
  });

  it('send() with an aborted caller signal cancels the run', async () => {
    const { gateway, service } = setup();
    gateway.completions.length = 0;
    const controller = new AbortController();
    const pending = new Promise<Completion>(() => {});
    gateway.complete = async (request, signal) => {
      gateway.requests.push(request);
      gateway.signals.push(signal);
      return pending;
    };
    const sent = service.send(alice, { messages: [{ role: 'user', content: 'hi' }] }, { signal: controller.signal });
    controller.abort();
    await expect(sent).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('events() and cancel() are scoped to the principal', async () => {
    const { service } = setup();
    const run = service.start(alice, { messages: [{ role: 'user', content: 'hi' }] }, { stream: false });
    await run.result;
    expect(service.cancel(alice, run.id)).toBe(false);
    expect(thrown(() => service.cancel({ id: 'key_bob' }, run.id)).code).toBe('NOT_FOUND');
    expect(thrown(() => service.events({ id: 'key_bob' }, run.id)).code).toBe('NOT_FOUND');
    expect((await events(service.events(alice, run.id, '1'))).map((e) => e.type)).toEqual(['completed']);
  });

  it('turns of one conversation are serialized; other conversations are not', async () => {
    const { gateway, service } = setup();
    const releases: Array<() => void> = [];
    let active = 0;
    let maxActive = 0;
    gateway.complete = async (request) => {
      gateway.requests.push(request);
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => releases.push(resolve));
      active--;
      return { text: request.messages.at(-1)!.content, finishReason: 'stop', usage: null };
    };
    const a1 = service.send(alice, { messages: [{ role: 'user', content: '1' }], user: 'same' });
    const a2 = service.send(alice, { messages: [{ role: 'user', content: '2' }], user: 'same' });
    const b = service.send(alice, { messages: [{ role: 'user', content: '3' }], user: 'other' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(gateway.requests.map((r) => r.messages.at(-1)!.content)).toEqual(['1', '3']);
    for (let i = 0; i < 50 && (releases.length > 0 || gateway.requests.length < 3); i++) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await Promise.all([a1, a2, b])).map((r) => r.message.content)).toEqual(['1', '2', '3']);
    expect(maxActive).toBe(2);
  });
});

describe('an answer over the run’s event-log cap', () => {
  it('fails the run with UPSTREAM_FAILED, aborts the upstream request and reports it to the operator', async () => {
    const { gateway, service, errors } = setup(4096);
    gateway.streams.push(async function* (signal) {
      while (!signal.aborted) yield { type: 'delta', text: 'x'.repeat(500) } as const;
    });
    const run = service.start(alice, { messages: [{ role: 'user', content: 'hi' }] }, { stream: true });
    const last = (await events(run.subscribe())).at(-1);
    expect(last).toMatchObject({ type: 'failed', code: 'UPSTREAM_FAILED' });
    expect(gateway.signals[0]?.aborted).toBe(true);
    expect(errors.map((e) => e.code)).toEqual(['UPSTREAM_FAILED']);
  });
});
