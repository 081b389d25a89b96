import type { FakeHandler } from './fake-wechat.ts';

export interface StableTokenKnobs {
  /** `expires_in` of the next tokens issued, seconds. Default 7200. */
  tokenTtlS: number;
  /** Answer stable_token with this errcode instead of a token (e.g. -1). */
  tokenErrcode: number | undefined;
  /** Makes every issued token expired: the next API call with it answers 42001. */
  expireTokens(): void;
  /** Revokes every issued token (as a force_refresh elsewhere would): the next API call with it answers 40001. */
  revokeTokens(): void;
}

/**
 * `POST /cgi-bin/stable_token` (getStableAccessToken): like WeChat, the same token is handed out again while it is
 * valid (unless force_refresh), a fresh one once it expired or was revoked.
 */
export function stableToken(options: { appId: string; secret: string }, shared: Partial<StableTokenKnobs> = {}) {
  /** token → expiry (epoch ms); revoked tokens are removed. */
  const valid = new Map<string, number>();
  const expired = new Set<string>();
  let current: string | undefined;
  let issued = 0;
  const knobs: StableTokenKnobs = Object.assign(shared, {
    tokenTtlS: 7200,
    tokenErrcode: undefined,
    expireTokens() {
      for (const token of valid.keys()) expired.add(token);
      valid.clear();
      current = undefined;
    },
    revokeTokens() {
      valid.clear();
      current = undefined;
    },
  });
  const issue: FakeHandler = ({ body }) => {
    if (knobs.tokenErrcode !== undefined) return { body: { errcode: knobs.tokenErrcode, errmsg: 'system error' } };
    if (body?.grant_type !== 'client_credential' || body.appid !== options.appId || body.secret !== options.secret) {
      return { body: { errcode: 40013, errmsg: 'invalid appid' } };
    }
    const now = Date.now();
    if (body.force_refresh === true || !current || (valid.get(current) ?? 0) <= now) {
      issued += 1;
      current = `fake-access-token-${issued}`;
      valid.set(current, now + knobs.tokenTtlS * 1000);
    }
    return { body: { access_token: current, expires_in: Math.round(((valid.get(current) ?? now) - now) / 1000) } };
  };
  return {
    knobs,
    routes: { '/cgi-bin/stable_token': issue } as Record<string, FakeHandler>,
    /** What an API call's access_token is worth: 0 valid, else WeChat's errcode for it. */
    verify(token: string | undefined): number {
      if (token === undefined) return 41001;
      const expiry = valid.get(token);
      if (expiry !== undefined && expiry > Date.now()) return 0;
      return expired.has(token) || expiry !== undefined ? 42001 : 40001;
    },
  };
}

export type FakeStableToken = ReturnType<typeof stableToken>;
