import type { GetTokenOptions } from './auth.ts';
import { isRefreshable, isSdkError, SdkError } from './errors.ts';
import type { WxLike } from './wx-types.ts';

export interface SessionUser {
  id: string;
  status: 'active' | 'pending' | 'blocked';
  approvalCode: string | null;
}

/** What the server answers to sign-in and refresh. */
export interface AuthSessionData {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  user: SessionUser;
}

interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms, by this phone's clock. */
  expiresAt: number;
  user: SessionUser;
}

export interface WechatSessionApi {
  signIn(code: string): Promise<AuthSessionData>;
  refresh(refreshToken: string): Promise<AuthSessionData>;
}

/** Refresh this long before the access token's expiry, so a call rarely meets TOKEN_EXPIRED at all. */
const EARLY_REFRESH_MS = 60000;
const LOGIN_TIMEOUT_MS = 10000;

function wxLogin(wx: WxLike): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!wx.login) {
      reject(new SdkError('INVALID_INPUT', 'wx.login is not available: WeChat sign-in needs a mini-program.'));
      return;
    }
    wx.login({
      timeout: LOGIN_TIMEOUT_MS,
      success: (result) => resolve(result.code),
      fail: (result) => reject(new SdkError('NETWORK_ERROR', result?.errMsg || 'login:fail')),
    });
  });
}

/**
 * The signed-in session of a mini-program: tokens kept in wx storage, handed to every call, refreshed before
 * expiry or when the server answers TOKEN_EXPIRED (concurrent calls share one refresh), and a new wx.login
 * sign-in when the refresh is refused.
 */
export function createWechatSession(wx: WxLike, storageKey: string, api: WechatSessionApi) {
  let session: StoredSession | undefined;
  let loaded = false;
  let pending: Promise<StoredSession> | undefined;

  const load = (): StoredSession | undefined => {
    if (!loaded) {
      loaded = true;
      const stored = wx.getStorageSync ? wx.getStorageSync(storageKey) : undefined;
      if (stored && typeof stored === 'object' && typeof (stored as StoredSession).accessToken === 'string') {
        session = stored as StoredSession;
      }
    }
    return session;
  };

  const save = (data: AuthSessionData): StoredSession => {
    session = {
      accessToken: data.accessToken,
      refreshToken: data.refreshToken,
      expiresAt: Date.now() + data.expiresIn * 1000,
      user: data.user,
    };
    loaded = true;
    if (wx.setStorageSync) wx.setStorageSync(storageKey, session);
    return session;
  };

  const clear = () => {
    session = undefined;
    loaded = true;
    if (wx.removeStorageSync) wx.removeStorageSync(storageKey);
  };

  /** One sign-in or refresh at a time: whoever asks meanwhile waits for the same one. */
  const once = (work: () => Promise<StoredSession>): Promise<StoredSession> => {
    if (!pending) {
      pending = work().then(
        (result) => {
          pending = undefined;
          return result;
        },
        (error) => {
          pending = undefined;
          throw error;
        },
      );
    }
    return pending;
  };

  const signIn = () => once(() => wxLogin(wx).then((code) => api.signIn(code).then(save)));

  const refresh = (current: StoredSession) =>
    once(() =>
      api.refresh(current.refreshToken).then(save, (error) => {
        if (!isSdkError(error) || !isRefreshable(error)) throw error;
        // Refused (signed out, reused, expired): start over with wx.login.
        clear();
        return wxLogin(wx).then((code) => api.signIn(code).then(save));
      }),
    );

  return {
    /** A new sign-in with wx.login, whatever is stored. */
    signIn(): Promise<SessionUser> {
      return signIn().then((s) => s.user);
    },
    /** The stored user, if any (no network). */
    get user(): SessionUser | undefined {
      const current = load();
      return current ? current.user : undefined;
    },
    clear,
    /** The TokenSupplier the transport calls before every request, and again after a refused token. */
    async token(options: GetTokenOptions): Promise<string> {
      if (pending) return (await pending).accessToken;
      const current = load();
      if (!current) return (await signIn()).accessToken;
      if (options.forceRefresh && options.rejectedToken && options.rejectedToken !== current.accessToken) {
        return current.accessToken; // another call already replaced the refused token
      }
      if (options.forceRefresh || current.expiresAt - EARLY_REFRESH_MS <= Date.now()) {
        return (await refresh(current)).accessToken;
      }
      return current.accessToken;
    },
  };
}

export type WechatSession = ReturnType<typeof createWechatSession>;
