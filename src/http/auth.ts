import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ANONYMOUS, type Principal } from '../chat/principal.ts';
import { AppError } from '../contract/errors.ts';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey.trim();
  const authorization = headers.authorization;
  if (authorization && /^bearer\s+/i.test(authorization)) return authorization.replace(/^bearer\s+/i, '').trim();
  return undefined;
}

export type Authenticate = (headers: IncomingHttpHeaders) => Principal;

/**
 * `X-Api-Key` or `Authorization: Bearer`. Keys are compared as SHA-256 digests in constant time,
 * against every configured key, so neither length nor position leaks. No keys = anonymous mode.
 */
export function createAuthenticator(apiKeys: readonly string[]): Authenticate {
  if (apiKeys.length === 0) return () => ANONYMOUS;
  const known = apiKeys.map((key) => {
    const digest = sha256(key);
    return { digest, principal: Object.freeze({ id: `key_${digest.toString('hex').slice(0, 12)}` }) };
  });
  return (headers) => {
    const key = presentedKey(headers);
    if (key === undefined) {
      throw new AppError(
        'UNAUTHENTICATED',
        'Missing API key: send it in the X-Api-Key header or as Authorization: Bearer <key>.',
      );
    }
    const digest = sha256(key);
    let match: Principal | undefined;
    for (const candidate of known) {
      if (timingSafeEqual(candidate.digest, digest)) match = candidate.principal;
    }
    if (!match) throw new AppError('UNAUTHENTICATED', 'Invalid API key: check the key configured in the app.');
    return match;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** An onRequest hook: authentication runs before a (possibly 20 MB) body is read. */
export function authHook(authenticate: Authenticate) {
  return async (request: import('fastify').FastifyRequest): Promise<void> => {
    request.principal = authenticate(request.headers);
  };
}
