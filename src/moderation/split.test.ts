import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitText } from './split.ts';

describe('splitText', () => {
  it('keeps short text whole and cuts long text at the cap', () => {
    expect(splitText('abc', 5)).toEqual(['abc']);
    expect(splitText('', 5)).toEqual([]);
    expect(splitText('a'.repeat(6000), 2500).map((p) => p.length)).toEqual([2500, 2500, 1000]);
  });

  it('never splits a surrogate pair', () => {
    expect(splitText('ab🚀cd', 3)).toEqual(['ab', '🚀c', 'd']);
  });

  it('pieces rejoin to the text, each at most max units with no lone surrogate at either end', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 2, max: 20 }), (text, max) => {
        const pieces = splitText(text, max);
        expect(pieces.join('')).toBe(text);
        for (const piece of pieces) {
          expect(piece.length).toBeLessThanOrEqual(max);
          expect(piece.length).toBeGreaterThan(0);
          expect(piece).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
        }
      }),
    );
  });
});
