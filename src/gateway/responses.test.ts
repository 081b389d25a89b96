import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureBody, decodeBytes, splitBytes } from '../../test/helpers/captures.ts';
import { AppError } from '../contract/errors.ts';
import type { GatewayEvent } from './events.ts';
import { createResponsesDecoder, parseResponse } from './responses.ts';

const decodeText = (text: string) => decodeBytes([Buffer.from(text, 'utf8')], createResponsesDecoder());

const STREAM_TEXT =
  'ECHO: stream responses please | images=0 files=0 history=0 session=agent:main:openresponses:a4c7f37c-4977-461d-8d56-dd68ba0ed90d';

function expectFailed(event: GatewayEvent | undefined, message: string): void {
  expect(event?.type).toBe('failed');
  if (event?.type !== 'failed') return;
  expect(event.error).toBeInstanceOf(AppError);
  expect(event.error.code).toBe('UPSTREAM_FAILED');
  expect(event.error.message).toBe(message);
}

describe('parseResponse', () => {
  it('capture 03 (string input)', () => {
    expect(parseResponse(JSON.parse(captureBody('03-responses-string.txt')))).toEqual({
      text: 'ECHO: hi from responses | images=0 files=0 history=0 session=agent:main:openresponses:e37991e6-105f-4d4f-8116-9ac167fba7d1',
      finishReason: 'stop',
      usage: { inputTokens: 11532, outputTokens: 31, totalTokens: 11563 },
    });
  });

  it('capture 04 (image + pdf)', () => {
    expect(parseResponse(JSON.parse(captureBody('04-responses-image-pdf.txt')))).toEqual({
      text: 'ECHO: What is in this image and this PDF? | images=1 files=1 history=0 session=agent:main:openresponses:c7b2fe31-8431-4523-89f7-5ccabc3cf6ea',
      finishReason: 'stop',
      usage: { inputTokens: 11654, outputTokens: 35, totalTokens: 11689 },
    });
  });

  it('capture 12c (status failed, HTTP 502) → { failed } with UPSTREAM_FAILED', () => {
    const parsed = parseResponse(JSON.parse(captureBody('12c-resp-upstream-500.txt')));
    expect('failed' in parsed).toBe(true);
    if (!('failed' in parsed)) return;
    expect(parsed.failed).toBeInstanceOf(AppError);
    expect(parsed.failed.code).toBe('UPSTREAM_FAILED');
    expect(parsed.failed.message).toBe('The agent failed to answer (upstream provider error). Try again later.');
  });

  it('status failed without an error object is still a failure', () => {
    const parsed = parseResponse({ status: 'failed', output: [] });
    expect('failed' in parsed && parsed.failed.code).toBe('UPSTREAM_FAILED');
  });

  it('a body that is not a Response object is no answer: UPSTREAM_FAILED, not an empty success', () => {
    for (const body of [{}, null, [], 'x', { output: 'x' }]) {
      const parsed = parseResponse(body);
      expect(parsed).toMatchObject({ failed: { code: 'UPSTREAM_FAILED', status: 502 } });
    }
    expect(parseResponse({ status: 'completed', output: [null, { type: 'message', content: [null] }] })).toMatchObject({
      text: '',
    });
  });

  it('a malformed event fails the run with the same error as in the chat-completions dialect', () => {
    for (const [event, data] of [
      ['response.output_text.delta', 'not json'],
      ['response.completed', 'null'],
      ['response.failed', '['],
    ] as const) {
      const decoder = createResponsesDecoder();
      expect(decoder.decode(event, data)).toMatchObject([
        { type: 'failed', error: { code: 'UPSTREAM_FAILED', message: 'The gateway sent a malformed stream event.' } },
      ]);
    }
    expect(createResponsesDecoder().decode('response.created', 'not json')).toEqual([]);
  });

  it('incomplete (max_output_tokens) → finish reason length', () => {
    expect(
      parseResponse({
        status: 'incomplete',
        incomplete_details: { reason: 'max_output_tokens' },
        output: [{ type: 'message', content: [{ type: 'output_text', text: 'cut' }] }],
      }),
    ).toEqual({ text: 'cut', finishReason: 'length', usage: null });
    expect(parseResponse({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } })).toEqual({
      text: '',
      finishReason: 'content_filter',
      usage: null,
    });
  });

  it('joins output_text parts of message items only, ignoring function calls and reasoning', () => {
    expect(
      parseResponse({
        status: 'completed',
        output: [
          { type: 'reasoning', content: [{ type: 'output_text', text: 'SECRET' }] },
          {
            type: 'message',
            content: [
              { type: 'output_text', text: 'a' },
              { type: 'refusal', text: 'x' },
            ],
          },
          { type: 'function_call', name: 'exec', arguments: '{}' },
          { type: 'message', content: [{ type: 'output_text', text: 'b' }] },
        ],
      }),
    ).toEqual({ text: 'ab', finishReason: 'stop', usage: null });
  });
});

describe('responses stream decoder', () => {
  it('capture 05: deltas, then completed with full text, stop and the final usage (in-progress zeros ignored)', () => {
    const events = decodeText(captureBody('05-responses-stream.txt'));
    expect(events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text)).toEqual([
      'ECHO:',
      ' stream',
      ' responses',
      ' please',
      ' |',
      ' images=0',
      ' files=0',
      ' history=0',
      ' session=agent:main:openresponses:a4c7f37c-4977-461d-8d56-dd68ba0ed90d',
    ]);
    expect(events.filter((e) => e.type !== 'delta')).toEqual([
      {
        type: 'completed',
        text: STREAM_TEXT,
        finishReason: 'stop',
        usage: { inputTokens: 11534, outputTokens: 32, totalTokens: 11566 },
      },
    ]);
    expect(events.at(-1)!.type).toBe('completed');
  });

  it('zero usage of response.created / in_progress never becomes the result', () => {
    const decoder = createResponsesDecoder();
    const zero = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
    expect(
      decoder.decode('response.created', JSON.stringify({ response: { status: 'in_progress', usage: zero } })),
    ).toEqual([]);
    expect(
      decoder.decode('response.in_progress', JSON.stringify({ response: { status: 'in_progress', usage: zero } })),
    ).toEqual([]);
    expect(decoder.decode('response.output_text.delta', '{"delta":"x"}')).toEqual([{ type: 'delta', text: 'x' }]);
    expect(decoder.decode('response.completed', JSON.stringify({ response: { status: 'completed' } }))).toEqual([
      { type: 'completed', text: 'x', finishReason: 'stop', usage: null },
    ]);
  });

  it('response.incomplete completes with finish reason length', () => {
    const decoder = createResponsesDecoder();
    decoder.decode('response.output_text.delta', '{"delta":"partial"}');
    expect(
      decoder.decode(
        'response.incomplete',
        JSON.stringify({
          response: {
            status: 'incomplete',
            incomplete_details: { reason: 'max_output_tokens' },
            output: [{ type: 'message', content: [{ type: 'output_text', text: 'partial' }] }],
            usage: { input_tokens: 5, output_tokens: 7, total_tokens: 12 },
          },
        }),
      ),
    ).toEqual([
      {
        type: 'completed',
        text: 'partial',
        finishReason: 'length',
        usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12 },
      },
    ]);
    expect(decoder.decode(undefined, '[DONE]')).toEqual([]);
    expect(decoder.finish()).toEqual([]);
  });

  it('capture 12d: response.failed under HTTP 200 → failed UPSTREAM_FAILED, no completed, nothing after', () => {
    const events = decodeText(captureBody('12d-resp-stream-upstream-500.txt'));
    expect(events).toHaveLength(1);
    expectFailed(events[0], 'The agent failed to answer (upstream provider error). Try again later.');
  });

  it('a bare `error` event is a failure too', () => {
    const decoder = createResponsesDecoder();
    const events = decoder.decode('error', '{"type":"error","error":{"message":"boom"}}');
    expectFailed(events[0], 'The agent failed to answer (boom). Try again later.');
    expect(decoder.finish()).toEqual([]);
  });

  it('a stream cut before response.completed fails on finish()', () => {
    const body = captureBody('05-responses-stream.txt');
    const events = decodeText(body.slice(0, body.indexOf('event: response.completed')));
    expect(events.filter((e) => e.type === 'delta')).toHaveLength(9);
    expect(events.filter((e) => e.type === 'completed')).toHaveLength(0);
    expectFailed(events.at(-1), 'The gateway closed the stream before the answer was complete.');
  });

  it('ignores [DONE] before completion; finish() then fails', () => {
    const decoder = createResponsesDecoder();
    expect(decoder.decode(undefined, '[DONE]')).toEqual([]);
    expect(decoder.finish().map((e) => e.type)).toEqual(['failed']);
  });
});

describe('responses end to end (bytes → TextDecoder → SseParser → decoder)', () => {
  it('capture 05 split at random byte positions: deltas concatenate to the completed text', () => {
    const bytes = Buffer.from(captureBody('05-responses-stream.txt'), 'utf8');
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 60 }), (positions) => {
        const events = decodeBytes(splitBytes(bytes, positions), createResponsesDecoder());
        const completed = events.at(-1)!;
        if (completed.type !== 'completed') expect.fail(`ended with ${completed.type}`);
        expect(completed.text).toBe(STREAM_TEXT);
        expect(
          events
            .filter((e) => e.type === 'delta')
            .map((e) => e.text)
            .join(''),
        ).toBe(STREAM_TEXT);
        expect(completed.usage).toEqual({ inputTokens: 11534, outputTokens: 32, totalTokens: 11566 });
      }),
    );
  });

  it('capture 05 split at every byte position gives the same events', () => {
    const bytes = Buffer.from(captureBody('05-responses-stream.txt'), 'utf8');
    const whole = decodeBytes([bytes], createResponsesDecoder());
    for (let at = 1; at < bytes.length; at++) {
      const events = decodeBytes([bytes.subarray(0, at), bytes.subarray(at)], createResponsesDecoder());
      if (events.length !== whole.length) expect.fail(`split at ${at}`);
      expect(events).toEqual(whole);
    }
  });

  it('synthetic Chinese/emoji stream split anywhere: deltas equal the input and the completed text', () => {
    const piece = fc
      .string({
        unit: fc.constantFrom('你', '好', '🙂', '👩🏽‍💻', 'a', ' ', '\n', '"', '。'),
        minLength: 1,
        maxLength: 6,
      })
      .filter((s) => s.length > 0);
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 40 }), (deltas, positions) => {
        const full = deltas.join('');
        const text = [
          `event: response.created\ndata: ${JSON.stringify({ type: 'response.created', response: { status: 'in_progress', usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 } } })}\n\n`,
          ...deltas.map(
            (delta) =>
              `event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', delta })}\n\n`,
          ),
          `event: response.completed\ndata: ${JSON.stringify({
            type: 'response.completed',
            response: {
              status: 'completed',
              output: [{ type: 'message', content: [{ type: 'output_text', text: full }] }],
              usage: { input_tokens: 9, output_tokens: 4, total_tokens: 13 },
            },
          })}\n\n`,
          'data: [DONE]\n\n',
        ].join('');
        const events = decodeBytes(splitBytes(Buffer.from(text, 'utf8'), positions), createResponsesDecoder());
        expect(events).toEqual([
          ...deltas.map((d) => ({ type: 'delta', text: d })),
          {
            type: 'completed',
            text: full,
            finishReason: 'stop',
            usage: { inputTokens: 9, outputTokens: 4, totalTokens: 13 },
          },
        ]);
      }),
    );
  });
});
