import { describe, expect, it } from 'vitest';
import { quotaDay } from './chat-limits.ts';

describe('quotaDay', () => {
  it('is the UTC date, resetting at the next UTC midnight', () => {
    const now = Date.parse('2026-03-04T23:59:59.999Z');
    expect(quotaDay(now)).toEqual({ day: '2026-03-04', resetAt: Date.parse('2026-03-05T00:00:00.000Z') });
    expect(quotaDay(now + 1).day).toBe('2026-03-05');
  });
});
