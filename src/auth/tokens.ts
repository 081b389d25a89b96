import { createHash, randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../contract/errors.ts';

const ISSUER = 'openclaw-minipro';
const AUDIENCE = 'openclaw-minipro:access';
/** The issue allows at most 1 s of clock skew between this server's instances. */
const CLOCK_TOLERANCE_S = 1;

export interface AccessClaims {
  userId: string;
  sessionId: string;
  openid: string;
}

export interface AccessTokens {
  sign(claims: AccessClaims): Promise<string>;
  /** Throws TOKEN_EXPIRED for an expired token (refresh it), UNAUTHENTICATED for anything else wrong with it. */
  verify(token: string): Promise<AccessClaims>;
}

/** Short-lived HS256 access tokens (jose): the user, the session family, the openid; nothing secret inside. */
export function createAccessTokens(secret: string, ttlSeconds: number): AccessTokens {
  const key = new TextEncoder().encode(secret);
  return {
    sign: (claims) =>
      new SignJWT({ sid: claims.sessionId, openid: claims.openid })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(claims.userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          issuer: ISSUER,
          audience: AUDIENCE,
          clockTolerance: CLOCK_TOLERANCE_S,
          requiredClaims: ['sub', 'sid', 'exp'],
        });
        if (typeof payload.sid !== 'string' || typeof payload.openid !== 'string' || !payload.sub) throw invalid();
        return { userId: payload.sub, sessionId: payload.sid, openid: payload.openid };
      } catch (error) {
        if (error instanceof errors.JWTExpired) {
          throw new AppError('TOKEN_EXPIRED', 'The access token has expired: refresh the session (refreshSession).');
        }
        if (error instanceof AppError) throw error;
        throw invalid();
      }
    },
  };
}

const invalid = () =>
  new AppError('UNAUTHENTICATED', 'Invalid access token: sign in again (wx.login, then signInWithWechat).');

/** Three base64url segments: an access token rather than an API key. */
export const looksLikeJwt = (value: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value);

/** An opaque refresh token (256 random bits); only its hash is stored. */
export const newRefreshToken = () => randomBytes(32).toString('base64url');

export const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('hex');
