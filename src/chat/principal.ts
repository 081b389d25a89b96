/** Who is calling, as established by http/auth. Runs and sessions are scoped to it. */
export interface Principal {
  /** Stable and non-secret (derived from the key's hash, never the key itself). */
  readonly id: string;
  /** The user's WeChat openid for this mini-program (kind `user`), e.g. for WeChat's content checks. */
  readonly openid?: string;
}

export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous' });
