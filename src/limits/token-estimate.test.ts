import { describe, expect, it } from 'vitest';
import { ATTACHMENT_TOKENS, estimateTokens } from './token-estimate.ts';

describe('estimateTokens', () => {
  it('counts one token per two characters sent and answered, rounded up', () => {
    const request = { messages: [{ role: 'user' as const, content: 'hello' }], attachments: [] };
    expect(estimateTokens(request, 'hi!')).toBe(4);
  });

  it('adds a flat amount per attachment', () => {
    const request = {
      messages: [{ role: 'user' as const, content: '' }],
      attachments: [{}, {}] as never[],
    };
    expect(estimateTokens(request, '')).toBe(2 * ATTACHMENT_TOKENS);
  });
});
