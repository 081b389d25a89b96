import { postWechat, WechatApiError, wechatUrl } from './api.ts';
import type { SharedToken, TokenCache } from './token-cache.ts';

export const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

interface Log {
  warn(object: object, message: string): void;
}

export interface AccessTokenOptions {
  appId: string;
  secret: string;
  apiBase: string;
  timeoutMs: number;
  cache: TokenCache;
  log?: Log;
  now?: () => number;
}

/**
 * The mini-program's access token from `getStableAccessToken` (POST /cgi-bin/stable_token): cached here and in the
 * shared cache, one fetch in flight at a time, renewed about 5 minutes before it expires. Never `force_refresh`
 * (WeChat allows 20 a day, and it invalidates the token every other instance holds): the stable endpoint hands out
 * the current token, so invalidating ours and asking again is how a rejected one is replaced.
 */
export class AccessTokens {
  readonly #options: AccessTokenOptions;
  readonly #now: () => number;
  #current: SharedToken | undefined;
  #refreshing: Promise<string> | undefined;

  constructor(options: AccessTokenOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** A token WeChat should accept (fetched, or read from the shared cache, when ours is due for renewal). */
  get(): Promise<string> {
    const current = this.#current;
    if (current && current.renewAt > this.#now()) return Promise.resolve(current.token);
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** WeChat rejected `token` (40001/42001): forget it here and in the shared cache. */
  async invalidate(token: string): Promise<void> {
    if (this.#current?.token === token) this.#current = undefined;
    await this.#options.cache.invalidate(this.#options.appId, token).catch((err: unknown) => {
      this.#options.log?.warn({ err }, 'wechat: dropping the shared access token failed');
    });
  }

  async #refresh(): Promise<string> {
    const { appId, cache, log } = this.#options;
    const shared = await cache.get(appId).catch((err: unknown) => {
      log?.warn({ err }, 'wechat: reading the shared access token failed');
      return undefined;
    });
    if (shared && shared.renewAt > this.#now()) {
      this.#current = shared;
      return shared.token;
    }
    let fresh: SharedToken;
    try {
      fresh = await this.#fetch();
    } catch (error) {
      // Renewal is early: while the one we hold has not expired, it still works.
      const held = this.#current ?? shared;
      if (held && held.expiresAt > this.#now()) {
        log?.warn({ err: error }, 'wechat: renewing the access token failed; using the current one until it expires');
        return held.token;
      }
      throw error;
    }
    this.#current = fresh;
    await cache.put(appId, fresh).catch((err: unknown) => {
      log?.warn({ err }, 'wechat: sharing the access token failed');
    });
    return fresh.token;
  }

  async #fetch(): Promise<SharedToken> {
    const { appId, secret, apiBase, timeoutMs } = this.#options;
    const answer = await postWechat(
      wechatUrl(apiBase, '/cgi-bin/stable_token'),
      { grant_type: 'client_credential', appid: appId, secret, force_refresh: false },
      { timeoutMs },
    );
    const token = answer.access_token;
    const expiresIn = answer.expires_in;
    if (typeof token !== 'string' || token === '' || typeof expiresIn !== 'number' || expiresIn <= 0) {
      throw new WechatApiError('/cgi-bin/stable_token: answer without access_token/expires_in');
    }
    const now = this.#now();
    const lifetimeMs = expiresIn * 1000;
    return {
      token,
      expiresAt: now + lifetimeMs,
      renewAt: now + Math.max(lifetimeMs - RENEW_BEFORE_EXPIRY_MS, lifetimeMs / 2),
    };
  }
}
