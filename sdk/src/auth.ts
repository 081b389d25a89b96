import { isSdkError, SdkError } from './errors.ts';

export interface GetTokenOptions {
  /** Set on the retry after a 401: the cached token was rejected. */
  forceRefresh: boolean;
  /**
   * With forceRefresh: the token that was refused. A supplier shared by concurrent calls returns its newer token
   * instead of refreshing again when another call already replaced this one.
   */
  rejectedToken?: string;
}

export type TokenSupplier = (options: GetTokenOptions) => string | Promise<string>;

interface AuthOptions {
  apiKey?: string;
  getToken?: TokenSupplier;
}

export interface Auth {
  /** Whether a 401 is worth one retry with a fresh token. */
  readonly canRefresh: boolean;
  /** Rejects with an SdkError when the token supplier fails. `rejected`: the Authorization header refused. */
  headers(forceRefresh: boolean, rejected?: string): Promise<Record<string, string>>;
}

// No destructuring in SDK sources: esbuild cannot lower it for iOS 11, whose engine has destructuring bugs.
export function createAuth(options: AuthOptions): Auth {
  const apiKey = options.apiKey;
  const getToken = options.getToken;
  return {
    canRefresh: getToken !== undefined,
    async headers(forceRefresh, rejected) {
      const headers: Record<string, string> = {};
      if (apiKey) headers['X-Api-Key'] = apiKey;
      if (getToken) {
        let token: string;
        const rejectedToken = rejected ? rejected.replace(/^Bearer /, '') : undefined;
        try {
          token = await getToken(rejectedToken ? { forceRefresh, rejectedToken } : { forceRefresh });
        } catch (error) {
          // The app's own supplier failed: reported like every other failure, as an SdkError.
          if (isSdkError(error)) throw error;
          // Not `instanceof Error`: the supplier may live in another realm (a plugin, a test sandbox).
          const message = (error as { message?: unknown } | undefined)?.message;
          throw new SdkError('INTERNAL', typeof message === 'string' ? message : String(error));
        }
        if (token) headers.Authorization = `Bearer ${token}`;
      }
      return headers;
    },
  };
}
