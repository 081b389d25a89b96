import type { WxLike, WxLoginOptions } from '../../sdk/src/wx-types.ts';

export interface WxAccount {
  wx: WxLike;
  /** Codes handed out by wx.login, in order. */
  logins: string[];
  storage: Map<string, unknown>;
}

/**
 * Adds what WeChat gives a signed-in phone to a simulated `wx`: `login` (a fresh one-time code for this account
 * each call, which the fake WeChat API maps to openid `o_<account>`) and synchronous storage (values are copied,
 * as wx storage serializes them).
 */
export function withWechatAccount(base: WxLike, account: string): WxAccount {
  const logins: string[] = [];
  const storage = new Map<string, unknown>();
  const wx: WxLike = {
    request: (options) => base.request(options),
    login(options: WxLoginOptions) {
      const code = `code-${account}-${logins.length + 1}`;
      logins.push(code);
      setTimeout(() => options.success?.({ code }), 1);
    },
    getStorageSync: (key) => (storage.has(key) ? JSON.parse(JSON.stringify(storage.get(key))) : ''),
    setStorageSync: (key, value) => {
      storage.set(key, JSON.parse(JSON.stringify(value)));
    },
    removeStorageSync: (key) => {
      storage.delete(key);
    },
  };
  return { wx, logins, storage };
}
