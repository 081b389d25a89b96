import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureBody } from '../../test/helpers/captures.ts';
import { type SseMessage, SseParser } from './sse.ts';

function parseAll(pieces: readonly string[]): SseMessage[] {
  const parser = new SseParser();
  const out: SseMessage[] = [];
  for (const piece of pieces) out.push(...parser.push(piece));
  out.push(...parser.end());
  return out;
}

/** Every way of cutting `text` in two. */
function everySplit(text: string, check: (events: SseMessage[], at: number) => void): void {
  for (let at = 0; at <= text.length; at++) check(parseAll([text.slice(0, at), text.slice(at)]), at);
}

function cut(text: string, positions: readonly number[]): string[] {
  const points = [...new Set(positions.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let last = 0;
  for (const p of points) {
    if (p > last) pieces.push(text.slice(last, p));
    last = Math.max(last, p);
  }
  pieces.push(text.slice(last));
  return pieces.filter((p) => p.length > 0);
}

describe('SseParser basics', () => {
  it('parses data-only events separated by blank lines', () => {
    expect(parseAll(['data: one\n\ndata: two\n\n'])).toEqual([
      { event: undefined, data: 'one' },
      { event: undefined, data: 'two' },
    ]);
  });

  it('returns events as soon as their blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: undefined, data: 'a' }]);
    expect(parser.push('data: b')).toEqual([]);
    expect(parser.push('\n\n')).toEqual([{ event: undefined, data: 'b' }]);
    expect(parser.end()).toEqual([]);
  });

  it('keeps event names and resets them after each event', () => {
    expect(parseAll(['event: response.created\ndata: {"a":1}\n\ndata: plain\n\n'])).toEqual([
      { event: 'response.created', data: '{"a":1}' },
      { event: undefined, data: 'plain' },
    ]);
  });

  it('joins multi-line data with \\n', () => {
    expect(parseAll(['data: line 1\ndata: line 2\ndata:\ndata: line 4\n\n'])).toEqual([
      { event: undefined, data: 'line 1\nline 2\n\nline 4' },
    ]);
  });

  it('strips exactly one leading space after the colon', () => {
    expect(parseAll(['data:no-space\n\ndata:  two spaces\n\n'])).toEqual([
      { event: undefined, data: 'no-space' },
      { event: undefined, data: ' two spaces' },
    ]);
  });

  it('ignores comments, id:, retry: and unknown fields', () => {
    expect(parseAll([': keep-alive\n\n:another\nid: 7\nretry: 1000\nfoo: bar\ndata: x\n\n'])).toEqual([
      { event: undefined, data: 'x' },
    ]);
  });

  it('treats a field name without a colon as an empty value', () => {
    expect(parseAll(['data\ndata\n\n'])).toEqual([{ event: undefined, data: '\n' }]);
  });

  it('dispatches nothing for blank lines alone', () => {
    expect(parseAll(['\n\n\r\n\r\r\n'])).toEqual([]);
  });

  it('accepts CR, LF and CRLF line endings, mixed', () => {
    const expected = [
      { event: 'e1', data: 'a\nb' },
      { event: undefined, data: 'c' },
      { event: undefined, data: 'd' },
    ];
    expect(parseAll(['event: e1\rdata: a\r\ndata: b\n\rdata: c\r\n\r\ndata: d\r\r'])).toEqual(expected);
  });

  it('joins a CR at the end of one push with an LF at the start of the next (one line break, not two)', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\r')).toEqual([]);
    // If the LF were taken as a second line break, this would dispatch "a" alone.
    expect(parser.push('\ndata: b\r')).toEqual([]);
    expect(parser.push('\n\r')).toEqual([{ event: undefined, data: 'a\nb' }]);
    expect(parser.push('\n')).toEqual([]);
    expect(parser.end()).toEqual([]);
  });

  it('still treats a CR at the end of a push as a line break when the next push starts otherwise', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\r')).toEqual([]);
    expect(parser.push('\r')).toEqual([{ event: undefined, data: 'a' }]);
    expect(parser.push('data: b\r')).toEqual([]);
    expect(parser.push('data: c\r\r')).toEqual([{ event: undefined, data: 'b\nc' }]);
  });

  it('keeps a pending CR across an empty push (an empty body chunk must not turn the next LF into a blank line)', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\r')).toEqual([]);
    expect(parser.push('')).toEqual([]);
    expect(parser.push('\ndata: b\r\n\r\n')).toEqual([{ event: undefined, data: 'a\nb' }]);
  });

  it('end() dispatches a final event that lacks its blank line, and a cut line', () => {
    const parser = new SseParser();
    expect(parser.push('data: done\n\nevent: last\ndata: partial')).toEqual([{ event: undefined, data: 'done' }]);
    expect(parser.end()).toEqual([{ event: 'last', data: 'partial' }]);
    expect(parser.end()).toEqual([]);
  });

  it('handles Chinese and emoji text, including a surrogate pair split across pushes', () => {
    const text = 'data: 你好，世界 👋🏽\n\n';
    const at = text.indexOf('👋') + 1; // between the two halves of the surrogate pair
    expect(parseAll([text.slice(0, at), text.slice(at)])).toEqual([{ event: undefined, data: '你好，世界 👋🏽' }]);
  });
});

describe('SseParser on real gateway captures', () => {
  const chat = captureBody('02-chat-stream.txt');
  const chatUsage = captureBody('02-chat-stream-usage.txt');
  const responses = captureBody('05-responses-stream.txt');
  const failed = captureBody('12d-resp-stream-upstream-500.txt');

  it('parses 02-chat-stream into 12 data-only events ending in [DONE]', () => {
    const events = parseAll([chat]);
    expect(events).toHaveLength(12);
    expect(events.every((e) => e.event === undefined)).toBe(true);
    expect(events.at(-1)).toEqual({ event: undefined, data: '[DONE]' });
    expect(JSON.parse(events[1]!.data).choices[0].delta.content).toBe('ECHO:');
  });

  it('parses 05-responses-stream into named events, [DONE] unnamed', () => {
    const events = parseAll([responses]);
    expect(events.map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array<string>(9).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
      undefined,
    ]);
    for (const event of events.slice(0, -1)) expect(JSON.parse(event.data).type).toBe(event.event);
    expect(events.at(-1)!.data).toBe('[DONE]');
  });

  for (const [name, body] of [
    ['02-chat-stream', chat],
    ['02-chat-stream-usage', chatUsage],
    ['05-responses-stream', responses],
    ['12d-resp-stream-upstream-500', failed],
  ] as const) {
    it(`${name}: split at every position gives the same events`, () => {
      const whole = parseAll([body]);
      expect(whole.length).toBeGreaterThan(2);
      everySplit(body, (events, at) => {
        if (events.length !== whole.length) expect.fail(`split at ${at}: ${events.length} events`);
        expect(events).toEqual(whole);
      });
    });

    it(`${name}: the same with CRLF line endings, split at every position`, () => {
      const whole = parseAll([body]);
      everySplit(body.replace(/\n/g, '\r\n'), (events) => expect(events).toEqual(whole));
    });

    it(`${name}: the same with CR line endings, split at every position`, () => {
      const whole = parseAll([body]);
      everySplit(body.replace(/\n/g, '\r'), (events) => expect(events).toEqual(whole));
    });
  }
});

// ---- property tests ---------------------------------------------------------------------------

const textChar = fc.oneof(
  fc.constantFrom('a', 'Z', '0', ' ', ':', '{', '"', '你', '好', '，', '。', '😀', '👋🏽', '🇨🇳', 'é', '\u00a0'),
  fc.string({ unit: 'grapheme', maxLength: 1 }),
);
/** A line's text: anything without CR or LF. */
const lineText = fc.array(textChar, { maxLength: 12 }).map((chars) => chars.join('').replace(/[\r\n]/g, ''));
const eventName = fc.option(
  lineText.filter((s) => s.length > 0),
  { nil: undefined },
);
const dataText = fc.array(lineText, { minLength: 1, maxLength: 4 }).map((lines) => lines.join('\n'));
const expectedEvent = fc.record({ event: eventName, data: dataText });
const eol = fc.constantFrom('\n', '\r', '\r\n');

interface Block {
  event: SseMessage;
  comment: string | undefined;
  eol: string;
  extra: boolean;
}
const block: fc.Arbitrary<Block> = fc.record({
  event: expectedEvent,
  comment: fc.option(lineText, { nil: undefined }),
  eol,
  extra: fc.boolean(),
});

/** One line ending per block, so a CR is never followed by an LF that is meant as a separate blank line. */
function serialize(blocks: readonly Block[]): string {
  return blocks
    .map(({ event, comment, eol: nl, extra }) => {
      const lines: string[] = [];
      if (comment !== undefined) lines.push(`:${comment}`);
      if (event.event !== undefined) lines.push(`event: ${event.event}`);
      if (extra) lines.push('id: 1', 'retry: 5');
      for (const line of event.data.split('\n')) lines.push(`data: ${line}`);
      return lines.map((l) => l + nl).join('') + nl;
    })
    .join('');
}

describe('SseParser properties', () => {
  it('any event list round-trips through serialize → parse', () => {
    fc.assert(
      fc.property(fc.array(block, { maxLength: 8 }), (blocks) => {
        expect(parseAll([serialize(blocks)])).toEqual(blocks.map((b) => b.event));
      }),
    );
  });

  it('splitting the serialized text at every position gives identical events', () => {
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 4 }), (blocks) => {
        const text = serialize(blocks);
        const expected = blocks.map((b) => b.event);
        everySplit(text, (events) => expect(events).toEqual(expected));
      }),
      { numRuns: 60 },
    );
  });

  it('splitting the serialized text into random pieces (with empty pushes between) gives identical events', () => {
    fc.assert(
      fc.property(fc.array(block, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 40 }), (blocks, positions) => {
        const text = serialize(blocks);
        expect(parseAll(cut(text, positions))).toEqual(blocks.map((b) => b.event));
      }),
    );
  });

  it('feeding one UTF-16 unit at a time gives identical events', () => {
    fc.assert(
      fc.property(fc.array(block, { maxLength: 6 }), (blocks) => {
        const text = serialize(blocks);
        expect(parseAll(text.split(''))).toEqual(blocks.map((b) => b.event));
      }),
    );
  });

  it('random splits of the real captures give the events of the whole body', () => {
    const bodies = ['02-chat-stream.txt', '02-chat-stream-usage.txt', '05-responses-stream.txt'].map(captureBody);
    fc.assert(
      fc.property(fc.constantFrom(...bodies), fc.array(fc.nat(), { maxLength: 60 }), (body, positions) => {
        expect(parseAll(cut(body, positions))).toEqual(parseAll([body]));
      }),
    );
  });
});

describe('SseParser bounds', () => {
  const expectTooLarge = (work: () => void) =>
    expect(work).toThrow(
      expect.objectContaining({ code: 'UPSTREAM_FAILED', message: expect.stringContaining('larger') }),
    );

  it('refuses a line that never ends once it passes the cap, before keeping more of it', () => {
    const parser = new SseParser({ maxEventBytes: 1000 });
    parser.push('data: ');
    for (let i = 0; i < 99; i++) parser.push('x'.repeat(10));
    expectTooLarge(() => parser.push('x'.repeat(10)));
  });

  it('counts an event across its data lines, in UTF-8 bytes, and starts again after each event', () => {
    const parser = new SseParser({ maxEventBytes: 40 });
    expect(parser.push(`data: ${'好'.repeat(10)}\n\n`)).toHaveLength(1); // 36 bytes
    parser.push('data: 0123456789\n');
    parser.push('data: 0123456789\n');
    expectTooLarge(() => parser.push('data: 0123456789\n'));
  });

  it('comment lines and ignored fields do not add to an event', () => {
    const parser = new SseParser({ maxEventBytes: 20 });
    for (let i = 0; i < 100; i++) parser.push(': keep-alive ping\n');
    expect(parser.push('data: ok\n\n')).toEqual([{ event: undefined, data: 'ok' }]);
  });

  it('property: work is linear in the input, however it is cut (long lines fed in tiny pieces included)', () => {
    const piece = fc.constantFrom('data: ', 'x', 'xxxxxxxx', '\r', '\n', '\r\n', ':', 'event: e', '');
    fc.assert(
      fc.property(
        fc.array(piece, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 100, max: 4000 }),
        (unit, repeat) => {
          const counter = { steps: 0 };
          const parser = new SseParser({ counter });
          let length = 0;
          for (let i = 0; i < repeat; i++) {
            for (const p of unit) {
              parser.push(p);
              length += p.length + 1;
            }
          }
          parser.end();
          expect(counter.steps).toBeLessThanOrEqual(4 * length);
        },
      ),
      { numRuns: 100 },
    );
  });
});
