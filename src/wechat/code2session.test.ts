import { describe, expect, it } from 'vitest';
import { mapWechatError } from './code2session.ts';

describe('mapWechatError', () => {
  it.each([
    [40029, 'UNAUTHENTICATED', 401],
    [40163, 'UNAUTHENTICATED', 401],
    [45011, 'UPSTREAM_UNAVAILABLE', 503],
    [-1, 'UPSTREAM_UNAVAILABLE', 503],
    [40226, 'FORBIDDEN', 403],
    [40013, 'UPSTREAM_FAILED', 502],
  ])('errcode %i → %s (%i), the errcode only in the cause', (errcode, code, status) => {
    const error = mapWechatError(errcode, 'wechat says no');
    expect(error).toMatchObject({ code, status });
    expect(error.message).not.toContain(String(errcode));
    expect(String((error.cause as Error).message)).toContain(String(errcode));
  });

  it('asks busy callers to retry later', () => {
    expect(mapWechatError(45011, '').retryAfter).toBeGreaterThan(0);
    expect(mapWechatError(40029, '').retryAfter).toBeUndefined();
  });
});
