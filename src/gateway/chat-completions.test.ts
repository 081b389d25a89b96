import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureBody, decodeBytes, splitBytes } from '../../test/helpers/captures.ts';
import { AppError } from '../contract/errors.ts';
import { createChatCompletionsDecoder, parseChatCompletion } from './chat-completions.ts';

const decodeText = (text: string) => decodeBytes([Buffer.from(text, 'utf8')], createChatCompletionsDecoder());

const CAPTURE_TEXT =
  'ECHO: stream me please | images=0 files=0 history=0 session=agent:main:openai:7f63e077-d1d3-46f2-a433-cff2f6573c82';

describe('parseChatCompletion', () => {
  it('reads text, finish reason and usage from capture 01', () => {
    expect(parseChatCompletion(JSON.parse(captureBody('01-chat-nonstream.txt')))).toEqual({
      text: 'ECHO: hello world | images=0 files=0 history=0 session=agent:main:openai:330e4cb9-ad71-4d8e-a972-b2bda912fad6',
      finishReason: 'stop',
      usage: { inputTokens: 11532, outputTokens: 28, totalTokens: 11560 },
    });
  });

  it('a body without choices[0].message is no answer: UPSTREAM_FAILED (502), not an empty success', () => {
    for (const body of [
      {},
      null,
      [],
      'text',
      { choices: [] },
      { choices: {} },
      { choices: [null] },
      { choices: [{}] },
    ]) {
      expect(() => parseChatCompletion(body)).toThrow(
        expect.objectContaining({ code: 'UPSTREAM_FAILED', status: 502, message: expect.stringContaining('unusable') }),
      );
    }
  });

  it('tolerates odd fields of a real answer: non-string content, missing usage', () => {
    expect(
      parseChatCompletion({ choices: [{ message: { content: null, tool_calls: [] }, finish_reason: 'tool_calls' }] }),
    ).toEqual({ text: '', finishReason: 'tool_calls', usage: null });
  });
});

describe('chat completions stream decoder', () => {
  it('capture 02 (no usage requested): deltas, then completed with the full text and usage null', () => {
    const events = decodeText(captureBody('02-chat-stream.txt'));
    expect(events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text)).toEqual([
      'ECHO:',
      ' stream',
      ' me',
      ' please',
      ' |',
      ' images=0',
      ' files=0',
      ' history=0',
      ' session=agent:main:openai:7f63e077-d1d3-46f2-a433-cff2f6573c82',
    ]);
    expect(events.at(-1)).toEqual({ type: 'completed', text: CAPTURE_TEXT, finishReason: 'stop', usage: null });
    expect(events.filter((e) => e.type !== 'delta')).toHaveLength(1);
  });

  it('capture 02-usage: usage comes from the usage chunk after the finish chunk', () => {
    const events = decodeText(captureBody('02-chat-stream-usage.txt'));
    expect(events.at(-1)).toEqual({
      type: 'completed',
      text: 'ECHO: stream me with usage | images=0 files=0 history=0 session=agent:main:openai:fec73fd6-2e00-41c3-b0eb-1d4d087e33aa',
      finishReason: 'stop',
      usage: { inputTokens: 11531, outputTokens: 30, totalTokens: 11561 },
    });
    expect(events.filter((e) => e.type === 'completed')).toHaveLength(1);
  });

  it('emits completed at [DONE] only, not at the finish chunk', () => {
    const decoder = createChatCompletionsDecoder();
    expect(
      decoder.decode(undefined, '{"choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}'),
    ).toEqual([]);
    expect(
      decoder.decode(undefined, '{"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}'),
    ).toEqual([{ type: 'delta', text: 'hi' }]);
    expect(decoder.decode(undefined, '{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}')).toEqual([]);
    expect(
      decoder.decode(undefined, '{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}'),
    ).toEqual([]);
    expect(decoder.decode(undefined, '[DONE]')).toEqual([
      {
        type: 'completed',
        text: 'hi',
        finishReason: 'length',
        usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 },
      },
    ]);
    expect(decoder.decode(undefined, '{"choices":[{"index":0,"delta":{"content":"late"}}]}')).toEqual([]);
    expect(decoder.finish()).toEqual([]);
  });

  it('skips empty deltas and chunks without a choice', () => {
    const decoder = createChatCompletionsDecoder();
    expect(decoder.decode(undefined, '{"choices":[{"index":0,"delta":{"content":""}}]}')).toEqual([]);
    expect(decoder.decode(undefined, '{"choices":[null]}')).toEqual([]);
    expect(decoder.decode(undefined, '{"choices":[{"delta":null}]}')).toEqual([]);
    expect(decoder.decode(undefined, '[DONE]')).toEqual([
      { type: 'completed', text: '', finishReason: null, usage: null },
    ]);
  });

  it('a malformed chunk (not a JSON object) fails the run, as in the responses dialect', () => {
    for (const data of ['not json', '{"choices":', 'null', '42', '[]']) {
      const decoder = createChatCompletionsDecoder();
      const [failed, ...rest] = decoder.decode(undefined, data);
      expect(rest).toEqual([]);
      expect(failed).toMatchObject({
        type: 'failed',
        error: { code: 'UPSTREAM_FAILED', message: 'The gateway sent a malformed stream event.' },
      });
      expect(decoder.decode(undefined, '[DONE]')).toEqual([]);
    }
  });

  it('capture 12b: an in-band error chunk under HTTP 200 is a failure UPSTREAM_FAILED, not an answer', () => {
    const events = decodeText(captureBody('12b-chat-stream-upstream-500.txt'));
    expect(events).toHaveLength(1);
    const failed = events[0]!;
    expect(failed.type).toBe('failed');
    if (failed.type !== 'failed') return;
    expect(failed.error).toBeInstanceOf(AppError);
    expect(failed.error.code).toBe('UPSTREAM_FAILED');
    expect(failed.error.status).toBe(502);
    expect(failed.error.message).toBe('The agent failed to answer (upstream provider error). Try again later.');
  });

  it('a stream cut before [DONE] fails on finish()', () => {
    const body = captureBody('02-chat-stream-usage.txt');
    const cutBody = body.slice(0, body.indexOf('data: [DONE]'));
    const events = decodeText(cutBody);
    expect(events.filter((e) => e.type === 'delta')).toHaveLength(10);
    const last = events.at(-1)!;
    expect(last.type).toBe('failed');
    if (last.type === 'failed') {
      expect(last.error.code).toBe('UPSTREAM_FAILED');
      expect(last.error.message).toBe('The gateway closed the stream before the answer was complete.');
    }
    expect(events.filter((e) => e.type === 'completed')).toHaveLength(0);
  });

  it('an empty body fails', () => {
    const events = decodeText('');
    expect(events.map((e) => e.type)).toEqual(['failed']);
  });
});

// ---- end-to-end properties: bytes split anywhere -----------------------------------------------

function chatStream(deltas: readonly string[]): string {
  const chunk = (body: object) => `data: ${JSON.stringify({ object: 'chat.completion.chunk', ...body })}\n\n`;
  return [
    chunk({ choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null }] }),
    ...deltas.map((content) => chunk({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })),
    chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    chunk({
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: deltas.length, total_tokens: deltas.length + 1 },
    }),
    'data: [DONE]\n\n',
  ].join('');
}

const unicodeText = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom('你', '好', '。', '😀', '👨‍👩‍👧', '\n', '"', '\\', ' ', 'data: ', '\r'),
      fc.string({ unit: 'grapheme', maxLength: 1 }),
    ),
    minLength: 1,
    maxLength: 8,
  })
  .filter((s) => s.length > 0);

describe('chat completions end to end (bytes → TextDecoder → SseParser → decoder)', () => {
  for (const name of ['02-chat-stream.txt', '02-chat-stream-usage.txt']) {
    it(`${name}: random byte splits → deltas concatenate to the completed text`, () => {
      const bytes = Buffer.from(captureBody(name), 'utf8');
      const whole = decodeBytes([bytes], createChatCompletionsDecoder());
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 50 }), (positions) => {
          const events = decodeBytes(splitBytes(bytes, positions), createChatCompletionsDecoder());
          expect(events).toEqual(whole);
          const completed = events.at(-1)!;
          if (completed.type !== 'completed') expect.fail(`ended with ${completed.type}`);
          const joined = events
            .filter((e) => e.type === 'delta')
            .map((e) => e.text)
            .join('');
          expect(joined).toBe(completed.text);
          expect(completed.text.startsWith('ECHO: stream me')).toBe(true);
        }),
      );
    });
  }

  it('Chinese / emoji deltas split inside multi-byte characters are reassembled exactly', () => {
    fc.assert(
      fc.property(
        fc.array(unicodeText, { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (deltas, positions) => {
          const bytes = Buffer.from(chatStream(deltas), 'utf8');
          const events = decodeBytes(splitBytes(bytes, positions), createChatCompletionsDecoder());
          expect(events).toEqual([
            ...deltas.map((text) => ({ type: 'delta', text })),
            {
              type: 'completed',
              text: deltas.join(''),
              finishReason: 'stop',
              usage: { inputTokens: 1, outputTokens: deltas.length, totalTokens: deltas.length + 1 },
            },
          ]);
        },
      ),
    );
  });
});
