import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUtf8, encodeUtf8, Utf8Decoder } from './utf8.ts';

const reference = new TextDecoder('utf-8', { ignoreBOM: true });

/** Cuts `bytes` at the given positions (any order, duplicates allowed). */
function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

function decodePieces(pieces: Uint8Array[]): string {
  const decoder = new Utf8Decoder();
  return pieces.map((piece) => decoder.decode(piece)).join('') + decoder.end();
}

const chatText = fc.string({
  unit: fc.oneof(
    fc.constantFrom('你', '好', '，', '世', '界', '！', '🚀', '😀', '👍🏽', 'é', 'a', '\n', ' ', '€', '𠮷'),
    fc.string({ unit: 'grapheme', maxLength: 1 }),
  ),
  maxLength: 60,
});

describe('Utf8Decoder', () => {
  it('decodes Chinese and emoji', () => {
    const text = '你好，世界！这是一个流式回答。🚀';
    expect(decodeUtf8(new TextEncoder().encode(text))).toBe(text);
  });

  it('carries a 4-byte emoji split byte by byte', () => {
    const decoder = new Utf8Decoder();
    const bytes = new TextEncoder().encode('🚀');
    expect([...bytes].map((byte) => decoder.decode(Uint8Array.of(byte)))).toEqual(['', '', '', '🚀']);
    expect(decoder.end()).toBe('');
  });

  it('replaces invalid sequences with U+FFFD', () => {
    expect(decodeUtf8(Uint8Array.of(0x61, 0xff, 0x62))).toBe('a\uFFFDb');
    expect(decodeUtf8(Uint8Array.of(0xe4, 0xbd, 0x61))).toBe('\uFFFDa'); // truncated 3-byte sequence
    expect(decodeUtf8(Uint8Array.of(0xed, 0xa0, 0x80))).toBe('\uFFFD\uFFFD\uFFFD'); // encoded surrogate
    expect(decodeUtf8(Uint8Array.of(0xc0, 0xaf))).toBe('\uFFFD\uFFFD'); // overlong
  });

  it('turns an incomplete character at the end into U+FFFD', () => {
    const decoder = new Utf8Decoder();
    expect(decoder.decode(Uint8Array.of(0xf0, 0x9f, 0x9a))).toBe('');
    expect(decoder.end()).toBe('\uFFFD');
  });

  it('decodes long inputs', () => {
    const text = '流'.repeat(100_000);
    expect(decodeUtf8(new TextEncoder().encode(text))).toBe(text);
  });

  it('decodes any split of any text to the original', () => {
    fc.assert(
      fc.property(chatText, fc.array(fc.nat(), { maxLength: 12 }), (text, cuts) => {
        expect(decodePieces(splitAt(new TextEncoder().encode(text), cuts))).toBe(text);
      }),
    );
  });

  it('matches TextDecoder on arbitrary bytes, however they are split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        expect(decodePieces(splitAt(bytes, cuts))).toBe(reference.decode(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('matches TextDecoder on UTF-8-like byte soup', () => {
    const utf8ish = fc.uint8Array({ maxLength: 40 }).map((bytes) => bytes.map((b) => (b & 1 ? 0x80 | (b & 0x3f) : b)));
    fc.assert(
      fc.property(utf8ish, fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        expect(decodePieces(splitAt(bytes, cuts))).toBe(reference.decode(bytes));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('encodeUtf8', () => {
  // fast-check's first `unit: 'binary'` string costs ~1.3 s of its own set-up (the checks take ~10 ms): on a loaded
  // machine that alone passed the 5 s default.
  it('matches TextEncoder', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect([...encodeUtf8(text)]).toEqual([...new TextEncoder().encode(text)]);
      }),
    );
  });
});
