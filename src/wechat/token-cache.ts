/** An access token as shared between instances. Times are epoch milliseconds. */
export interface SharedToken {
  token: string;
  /** When WeChat stops accepting it. */
  expiresAt: number;
  /** When an instance should fetch the next one (about 5 minutes before expiry). */
  renewAt: number;
}

/** Where instances share the access token (the store; Redis when present), so each does not fetch its own. */
export interface TokenCache {
  get(appId: string): Promise<SharedToken | undefined>;
  put(appId: string, token: SharedToken): Promise<void>;
  /** Forgets `token` if it is still the one kept (another instance may have replaced it already). */
  invalidate(appId: string, token: string): Promise<void>;
}

/** One process only (DATABASE_URL=none, unit tests). */
export class MemoryTokenCache implements TokenCache {
  readonly #tokens = new Map<string, SharedToken>();

  async get(appId: string): Promise<SharedToken | undefined> {
    return this.#tokens.get(appId);
  }

  async put(appId: string, token: SharedToken): Promise<void> {
    this.#tokens.set(appId, token);
  }

  async invalidate(appId: string, token: string): Promise<void> {
    if (this.#tokens.get(appId)?.token === token) this.#tokens.delete(appId);
  }
}
