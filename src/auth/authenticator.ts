import type { IncomingHttpHeaders } from 'node:http';
import { ANONYMOUS, type Principal } from '../chat/principal.ts';
import { AppError } from '../contract/errors.ts';
import { type Authenticate, bearerToken, createAuthenticator } from '../http/auth.ts';
import { type AccessTokens, looksLikeJwt } from './tokens.ts';
import type { UserDirectory } from './user-directory.ts';

export interface CallerAuthenticatorOptions {
  apiKeys: readonly string[];
  allowAnonymous: boolean;
  /** WeChat sign-in configured: access tokens are accepted beside API keys. */
  sessions?: { tokens: AccessTokens; directory: UserDirectory };
}

/** Credentials a request carries at all (a guest carries none). */
export function presentsCredentials(headers: IncomingHttpHeaders): boolean {
  return Boolean(headers['x-api-key'] || headers.authorization);
}

/**
 * An access token (`Authorization: Bearer <JWT>`, verified with jose, its session and user re-read through the
 * directory's short cache) or an API key (X-Api-Key or Bearer). A user principal's id is its user id.
 */
export function createCallerAuthenticator(options: CallerAuthenticatorOptions): Authenticate {
  const keys = options.apiKeys.length > 0 ? createAuthenticator(options.apiKeys) : undefined;
  const { sessions } = options;
  const missing = sessions
    ? 'Missing credentials: sign in with WeChat and send Authorization: Bearer <accessToken>, or send an API key.'
    : 'Missing API key: send it in the X-Api-Key header or as Authorization: Bearer <key>.';
  return async (headers) => {
    const bearer = headers['x-api-key'] ? undefined : bearerToken(headers);
    if (sessions && bearer !== undefined && looksLikeJwt(bearer)) {
      const claims = await sessions.tokens.verify(bearer);
      const { user } = await sessions.directory.standing(claims.sessionId);
      return Object.freeze({
        id: user.id,
        kind: 'user',
        userId: user.id,
        openid: user.openid,
        sessionId: claims.sessionId,
      }) satisfies Principal;
    }
    if (keys && presentsCredentials(headers)) return keys(headers);
    if (options.allowAnonymous) return ANONYMOUS;
    if (presentsCredentials(headers)) throw new AppError('UNAUTHENTICATED', 'Invalid credentials: sign in again.');
    throw new AppError('UNAUTHENTICATED', missing);
  };
}
