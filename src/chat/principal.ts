/** Who is calling, as established by http/auth. Runs and sessions are scoped to it. */
export interface Principal {
  /** Stable and non-secret (derived from the key's hash, never the key itself). */
  readonly id: string;
  /** The WeChat user behind a signed-in session; absent for API keys. Content moderation needs it. */
  openid?: string;
}

export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous' });
