import { describe, expect, it } from 'vitest';
import { createAccessTokens, hashRefreshToken, looksLikeJwt, newRefreshToken } from './tokens.ts';

const SECRET = 'unit-test-secret-0123456789abcdef0123';

describe('access tokens', () => {
  it('round-trips the claims, and refuses another secret as UNAUTHENTICATED', async () => {
    const tokens = createAccessTokens(SECRET, 60);
    const token = await tokens.sign({ userId: 'u_1', sessionId: 's_1', openid: 'o_1' });
    expect(looksLikeJwt(token)).toBe(true);
    expect(await tokens.verify(token)).toEqual({ userId: 'u_1', sessionId: 's_1', openid: 'o_1' });
    await expect(createAccessTokens(`${SECRET}x`, 60).verify(token)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('tells an API key from a token', () => {
    expect(looksLikeJwt('test-key-0123456789abcdef')).toBe(false);
  });

  it('stores refresh tokens as sha256 hex of 256 random bits', () => {
    const token = newRefreshToken();
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(hashRefreshToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(newRefreshToken()).not.toBe(token);
  });
});
