import { describe, expect, it } from 'vitest';
import { isRetraction } from './moderation.ts';

const failed = (retracted: boolean) =>
  ({ __typename: 'ChatFailed', runId: 'r', eventId: '3', code: 'CONTENT_REJECTED', message: 'm', retracted }) as const;

describe('isRetraction', () => {
  it('is true only for a ChatFailed that withdraws the answer', () => {
    expect(isRetraction(failed(true))).toBe(true);
    expect(isRetraction(failed(false))).toBe(false);
    expect(isRetraction({ __typename: 'ChatDelta', runId: 'r', eventId: '2', text: 'x' })).toBe(false);
  });
});
