import type { FakeWechatHandler, FakeWechatState } from './fake-wechat.ts';

export interface StableTokenKnobs {
  /** `expires_in` of the next tokens issued, seconds. Default 7200. */
  tokenTtlS: number;
  /** Answer stable_token with this errcode instead of a token (e.g. -1). */
  tokenErrcode: number | undefined;
}

/**
 * `POST /cgi-bin/stable_token` (getStableAccessToken), as WeChat answers it: the same token again while it is valid
 * (unless `force_refresh`), a fresh one once it expired or was revoked; 40013 for a wrong appid or secret. `verify`
 * tells other endpoints what an access_token is worth (0, 40001 unknown or revoked, 42001 expired).
 */
export function stableTokens(shared: Partial<StableTokenKnobs> = {}) {
  /** token → expiry (epoch ms). */
  const valid = new Map<string, number>();
  const expired = new Set<string>();
  let current: string | undefined;
  let issued = 0;
  const knobs: StableTokenKnobs = Object.assign(shared, { tokenTtlS: 7200, tokenErrcode: undefined });
  return {
    knobs,
    /** Every issued token expires now: the next API call with one answers 42001. */
    expireTokens() {
      for (const token of valid.keys()) expired.add(token);
      valid.clear();
      current = undefined;
    },
    /** Every issued token is revoked (as a force_refresh elsewhere would): the next API call answers 40001. */
    revokeTokens() {
      valid.clear();
      current = undefined;
    },
    verify(token: string | undefined): number {
      if (token === undefined) return 41001;
      const expiry = valid.get(token);
      if (expiry !== undefined && expiry > Date.now()) return 0;
      return expired.has(token) || expiry !== undefined ? 42001 : 40001;
    },
    handler: (state: FakeWechatState): FakeWechatHandler => ({
      method: 'POST',
      path: '/cgi-bin/stable_token',
      handle(_url, raw) {
        if (knobs.tokenErrcode !== undefined) return { errcode: knobs.tokenErrcode, errmsg: 'system error' };
        const body = JSON.parse(raw || '{}');
        if (body.grant_type !== 'client_credential' || body.appid !== state.appId || body.secret !== state.secret) {
          return { errcode: 40013, errmsg: 'invalid appid' };
        }
        const now = Date.now();
        if (body.force_refresh === true || !current || (valid.get(current) ?? 0) <= now) {
          issued += 1;
          current = `fake-access-token-${issued}`;
          valid.set(current, now + knobs.tokenTtlS * 1000);
        }
        return { access_token: current, expires_in: Math.round(((valid.get(current) ?? now) - now) / 1000) };
      },
    }),
  };
}

export type FakeStableTokens = ReturnType<typeof stableTokens>;
