import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ContentSecurityWechat, startContentSecurityWechat } from '../../test/fake-wechat/content-security.ts';
import { AccessTokens, RENEW_BEFORE_EXPIRY_MS } from './access-token.ts';
import { WechatApiError } from './api.ts';
import { MemoryTokenCache } from './token-cache.ts';

let wechat: ContentSecurityWechat;
beforeAll(async () => {
  wechat = await startContentSecurityWechat({ appId: 'wx-app', secret: 'the-secret' });
});
afterAll(() => wechat.close());
beforeEach(() => {
  wechat.wechat.received.length = 0;
  wechat.knobs.tokenTtlS = 7200;
  wechat.knobs.tokenErrcode = undefined;
  wechat.revokeTokens();
});

function tokens(options: { cache?: MemoryTokenCache; now?: () => number; secret?: string } = {}) {
  return new AccessTokens({
    appId: 'wx-app',
    secret: options.secret ?? 'the-secret',
    apiBase: wechat.url,
    timeoutMs: 2000,
    cache: options.cache ?? new MemoryTokenCache(),
    now: options.now,
  });
}

const fetches = () => wechat.calls('/cgi-bin/stable_token');

describe('AccessTokens', () => {
  it('fetches once with client_credential and no force_refresh, then serves the cached token', async () => {
    const t = tokens();
    const first = await t.get();
    expect(await t.get()).toBe(first);
    expect(fetches()).toHaveLength(1);
    expect(fetches()[0]!.body).toEqual({
      grant_type: 'client_credential',
      appid: 'wx-app',
      secret: 'the-secret',
      force_refresh: false,
    });
  });

  it('concurrent callers share one fetch', async () => {
    const t = tokens();
    const all = await Promise.all(Array.from({ length: 10 }, () => t.get()));
    expect(new Set(all).size).toBe(1);
    expect(fetches()).toHaveLength(1);
  });

  it('renews about 5 minutes before expiry', async () => {
    let now = 1_000_000;
    const t = tokens({ now: () => now });
    await t.get();
    now += 7200_000 - RENEW_BEFORE_EXPIRY_MS - 1;
    await t.get();
    expect(fetches()).toHaveLength(1);
    now += 2;
    await t.get();
    expect(fetches()).toHaveLength(2);
  });

  it('keeps using an unexpired token when renewing it fails, and fails once it expired', async () => {
    let now = 1_000_000;
    const t = tokens({ now: () => now });
    const token = await t.get();
    wechat.knobs.tokenErrcode = -1;
    now += 7200_000 - 60_000;
    expect(await t.get()).toBe(token);
    now += 120_000;
    await expect(t.get()).rejects.toThrow(WechatApiError);
  });

  it('instances sharing a cache fetch once', async () => {
    const cache = new MemoryTokenCache();
    const a = await tokens({ cache }).get();
    const b = await tokens({ cache }).get();
    expect(b).toBe(a);
    expect(fetches()).toHaveLength(1);
  });

  it('invalidate() forgets the token here and in the shared cache; the next get() fetches the current one', async () => {
    const cache = new MemoryTokenCache();
    const t = tokens({ cache });
    const old = await t.get();
    wechat.revokeTokens();
    await t.invalidate(old);
    expect(await cache.get('wx-app')).toBeUndefined();
    const fresh = await t.get();
    expect(fresh).not.toBe(old);
    expect(fetches().map((c) => c.body.force_refresh)).toEqual([false, false]);
  });

  it('a WeChat error is a WechatApiError with its errcode and never the secret', async () => {
    const error = await tokens({ secret: 'wrong-secret' })
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatApiError);
    expect((error as WechatApiError).errcode).toBe(40013);
    expect(String((error as Error).message)).not.toContain('wrong-secret');
  });
});
