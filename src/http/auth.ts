import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ANONYMOUS, GUEST, type Principal } from '../chat/principal.ts';
import { AppError } from '../contract/errors.ts';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization && /^bearer\s+/i.test(authorization)) return authorization.replace(/^bearer\s+/i, '').trim();
  return undefined;
}

function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey.trim();
  return bearerToken(headers);
}

/** Establishes the caller from request headers (API keys synchronously; access tokens read the store). */
export type Authenticate = (headers: IncomingHttpHeaders) => Principal | Promise<Principal>;

/**
 * `X-Api-Key` or `Authorization: Bearer`. Keys are compared as SHA-256 digests in constant time,
 * against every configured key, so neither length nor position leaks. No keys = anonymous mode.
 */
export function createAuthenticator(apiKeys: readonly string[]): (headers: IncomingHttpHeaders) => Principal {
  if (apiKeys.length === 0) return () => ANONYMOUS;
  const known = apiKeys.map((key) => {
    const digest = sha256(key);
    return {
      digest,
      principal: Object.freeze({ id: `key_${digest.toString('hex').slice(0, 12)}`, kind: 'key' as const }),
    };
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
    /** The caller, attached by `requireAuthentication` before the body is read; only routes in its scope read it. */
    principal: Principal;
  }
}

export interface AuthenticationOptions {
  authenticate: Authenticate;
  /** Requests whose route authenticates them some other way: a websocket upgrade, by its own handshake. */
  exempt?: (request: FastifyRequest) => boolean;
  /**
   * A surface that signs users in admits callers without credentials as GUEST (only sign-in and refresh serve
   * them), as long as their declared body is at most this many bytes: no one unauthenticated gets a big body read.
   */
  guestMaxBodyBytes?: number;
  /** Answers a refused caller in the surface's own shape; by default the error goes to Fastify's error handler. */
  refuse?: (error: AppError, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/**
 * The one place a principal is attached: an onRequest hook on every route of `scope`, so a caller is refused
 * before its (possibly 20 MB) body is read or parsed, and a handler in the scope never runs without one.
 */
export function requireAuthentication(scope: FastifyInstance, options: AuthenticationOptions): void {
  scope.decorateRequest('principal', null as unknown as Principal);
  scope.addHook('onRequest', async (request, reply) => {
    if (options.exempt?.(request)) return;
    try {
      request.principal =
        options.guestMaxBodyBytes !== undefined && isGuest(request, options.guestMaxBodyBytes)
          ? GUEST
          : await options.authenticate(request.headers);
    } catch (error) {
      if (!(error instanceof AppError) || !options.refuse) throw error;
      await options.refuse(error, request, reply);
      return reply;
    }
  });
}

/** No credentials, and a body small enough to read for sign-in (declared up front: no chunked uploads). */
function isGuest(request: FastifyRequest, maxBodyBytes: number): boolean {
  const { headers } = request;
  if (headers['x-api-key'] || headers.authorization) return false;
  if (request.method === 'GET' || request.method === 'HEAD') return true;
  const length = Number(headers['content-length']);
  return headers['content-length'] !== undefined && Number.isInteger(length) && length <= maxBodyBytes;
}
