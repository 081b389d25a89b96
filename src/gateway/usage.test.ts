import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeUsage } from './usage.ts';

describe('normalizeUsage', () => {
  it('reads the chat completions shape', () => {
    expect(normalizeUsage({ prompt_tokens: 11532, completion_tokens: 28, total_tokens: 11560 })).toEqual({
      inputTokens: 11532,
      outputTokens: 28,
      totalTokens: 11560,
    });
  });

  it('reads the responses shape, ignoring the *_details objects', () => {
    expect(
      normalizeUsage({
        input_tokens: 11534,
        input_tokens_details: { cached_tokens: 7, cache_write_tokens: 0 },
        output_tokens: 32,
        output_tokens_details: { reasoning_tokens: 3 },
        total_tokens: 11566,
      }),
    ).toEqual({ inputTokens: 11534, outputTokens: 32, totalTokens: 11566 });
  });

  it('keeps the reported total even when it differs from the sum', () => {
    expect(normalizeUsage({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 10 })).toEqual({
      inputTokens: 1,
      outputTokens: 2,
      totalTokens: 10,
    });
  });

  it('computes a missing total as input + output', () => {
    expect(normalizeUsage({ input_tokens: 4, output_tokens: 6 })).toEqual({
      inputTokens: 4,
      outputTokens: 6,
      totalTokens: 10,
    });
  });

  it('accepts a partial report (one side only)', () => {
    expect(normalizeUsage({ prompt_tokens: 7 })).toEqual({ inputTokens: 7, outputTokens: 0, totalTokens: 7 });
    expect(normalizeUsage({ output_tokens: 3, total_tokens: 3 })).toEqual({
      inputTokens: 0,
      outputTokens: 3,
      totalTokens: 3,
    });
  });

  it('prefers the responses names when both shapes are present', () => {
    expect(normalizeUsage({ input_tokens: 1, prompt_tokens: 100, output_tokens: 2, completion_tokens: 200 })).toEqual({
      inputTokens: 1,
      outputTokens: 2,
      totalTokens: 3,
    });
  });

  it('truncates fractional counts', () => {
    expect(normalizeUsage({ prompt_tokens: 10.9, completion_tokens: 2.2 })).toEqual({
      inputTokens: 10,
      outputTokens: 2,
      totalTokens: 12,
    });
  });

  it('reported zeros stay zeros (they were reported, not invented)', () => {
    expect(normalizeUsage({ input_tokens: 0, output_tokens: 0, total_tokens: 0 })).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      totalTokens: 0,
    });
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', '11560'],
    ['a number', 42],
    ['an array', [1, 2, 3]],
    ['an empty object', {}],
    ['only a total', { total_tokens: 12 }],
    ['string counts', { prompt_tokens: '10', completion_tokens: '2' }],
    ['negative counts', { prompt_tokens: -1, completion_tokens: -5 }],
    ['NaN and Infinity', { prompt_tokens: Number.NaN, completion_tokens: Number.POSITIVE_INFINITY }],
    ['nulls', { input_tokens: null, output_tokens: null }],
  ])('garbage (%s) → null, never invented zeros', (_label, raw) => {
    expect(normalizeUsage(raw)).toBeNull();
  });

  it('ignores a garbage total and sums instead', () => {
    expect(normalizeUsage({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 'x' })).toEqual({
      inputTokens: 3,
      outputTokens: 4,
      totalTokens: 7,
    });
  });

  it('property: both shapes map the same counts the same way', () => {
    const n = fc.nat({ max: 10_000_000 });
    fc.assert(
      fc.property(n, n, fc.option(n, { nil: undefined }), (a, b, total) => {
        const expected = { inputTokens: a, outputTokens: b, totalTokens: total ?? a + b };
        const withTotal = total === undefined ? {} : { total_tokens: total };
        expect(normalizeUsage({ prompt_tokens: a, completion_tokens: b, ...withTotal })).toEqual(expected);
        expect(normalizeUsage({ input_tokens: a, output_tokens: b, ...withTotal })).toEqual(expected);
      }),
    );
  });

  it('property: the result is null or non-negative integers', () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        const usage = normalizeUsage(raw);
        if (usage === null) return;
        for (const v of Object.values(usage)) expect(Number.isInteger(v) && v >= 0).toBe(true);
      }),
    );
  });
});
