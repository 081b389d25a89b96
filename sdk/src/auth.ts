export interface GetTokenOptions {
  /** Set on the retry after a 401: the cached token was rejected. */
  forceRefresh: boolean;
}

export type TokenSupplier = (options: GetTokenOptions) => string | Promise<string>;

export interface AuthOptions {
  apiKey?: string;
  getToken?: TokenSupplier;
}

export interface Auth {
  /** Whether a 401 is worth one retry with a fresh token. */
  readonly canRefresh: boolean;
  headers(forceRefresh: boolean): Promise<Record<string, string>>;
}

// No destructuring in SDK sources: esbuild cannot lower it for iOS 11, whose engine has destructuring bugs.
export function createAuth(options: AuthOptions): Auth {
  const apiKey = options.apiKey;
  const getToken = options.getToken;
  return {
    canRefresh: getToken !== undefined,
    async headers(forceRefresh) {
      const headers: Record<string, string> = {};
      if (apiKey) headers['X-Api-Key'] = apiKey;
      if (getToken) {
        const token = await getToken({ forceRefresh });
        if (token) headers.Authorization = `Bearer ${token}`;
      }
      return headers;
    },
  };
}
