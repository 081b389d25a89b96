/** Who is calling, as established by http/auth. Runs, sessions, conversations and limits are scoped to it. */
export interface Principal {
  /** Stable and non-secret: `key_<hash prefix>` for an API key, `user_<id>` for a signed-in user. */
  readonly id: string;
  /**
   * `key`: a static API key (server-to-server, the legacy REST shim); `user`: a WeChat user's access token;
   * `anonymous`: ALLOW_ANONYMOUS; `guest`: no credentials, admitted only to sign-in and refresh. Absent: a key.
   */
  readonly kind?: 'key' | 'user' | 'anonymous' | 'guest';
  /** The user's row id (kind `user`). */
  readonly userId?: string;
  /** The user's WeChat openid for this mini-program (kind `user`), e.g. for WeChat's content checks. */
  readonly openid?: string;
  /** The session family its access token belongs to (kind `user`): sign-out revokes it. */
  readonly sessionId?: string;
}

export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', kind: 'anonymous' });

/** A request without credentials on a surface that signs users in. */
export const GUEST: Principal = Object.freeze({ id: 'guest', kind: 'guest' });
