import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SseEvent, SseParser } from './sse.ts';

/** Serializes events the way a server writes them. */
function serializeSseEvent(event: SseEvent, lineEnd = '\n'): string {
  let out = '';
  if (event.event !== 'message') out += `event: ${event.event}${lineEnd}`;
  if (event.id !== undefined) out += `id: ${event.id}${lineEnd}`;
  for (const line of event.data.split(/\r\n|\r|\n/)) out += `data: ${line}${lineEnd}`;
  return out + lineEnd;
}

function parseAll(pieces: string[]): SseEvent[] {
  const parser = new SseParser();
  const events = pieces.flatMap((piece) => parser.push(piece));
  return [...events, ...parser.end()];
}

function splitText(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(text.slice(start, point));
    start = point;
  }
  pieces.push(text.slice(start));
  return pieces;
}

const fieldText = fc.string({ unit: fc.constantFrom('a', '你', '🚀', ' ', ':', '{', '"', '}', '好'), maxLength: 20 });
const sseEvent: fc.Arbitrary<SseEvent> = fc.record({
  event: fc.constantFrom('message', 'next', 'complete'),
  data: fc.array(fieldText, { minLength: 1, maxLength: 3 }).map((lines) => lines.join('\n')),
});
const lineEnd = fc.constantFrom('\n', '\r', '\r\n');

describe('SseParser', () => {
  it('parses several events from one chunk, ignoring comments', () => {
    const text = ': hi\n\nevent: next\ndata: {"a":1}\n\n:heartbeat\nevent: complete\ndata:\n\n';
    expect(parseAll([text])).toEqual([
      { event: 'next', data: '{"a":1}' },
      { event: 'complete', data: '' },
    ]);
  });

  it('joins multi-line data and keeps ids', () => {
    expect(parseAll(['id: 7\ndata: one\ndata:two\ndata:  three\n\n'])).toEqual([
      { event: 'message', data: 'one\ntwo\n three', id: '7' },
    ]);
  });

  it('handles CR, LF and a CRLF split across chunks', () => {
    expect(parseAll(['data: a\r', '\n\r', '\ndata: b\r\r'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' },
    ]);
  });

  it('dispatches `event: complete` even without data, but not a lone blank line', () => {
    expect(parseAll(['\n\nevent: complete\n\n'])).toEqual([{ event: 'complete', data: '' }]);
  });

  it('drops an unterminated final event and a leading BOM', () => {
    expect(parseAll(['\uFEFFdata: x\n\ndata: partial'])).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('yields the same events however the stream is split', () => {
    fc.assert(
      fc.property(
        fc.array(sseEvent, { maxLength: 6 }),
        lineEnd,
        fc.array(fc.nat(), { maxLength: 15 }),
        fc.boolean(),
        (events, end, cuts, withComments) => {
          const text = events
            .map((event) => (withComments ? `: keep-alive${end}` : '') + serializeSseEvent(event, end))
            .join('');
          expect(parseAll(splitText(text, cuts))).toEqual(events);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
