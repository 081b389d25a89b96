import type { Principal } from '../chat/principal.ts';
import { AppError } from '../contract/errors.ts';
import type { Counter } from '../limits/limiter.ts';
import type { UserStatus } from '../store/schema.ts';
import type { UserRecord } from '../store/user-store.ts';
import type { Code2Session } from '../wechat/code2session.ts';
import { effectiveStatus, initialStatus } from './access-policy.ts';
import { type AccessTokens, hashRefreshToken, newRefreshToken } from './tokens.ts';
import { blocked, type UserDirectory } from './user-directory.ts';

/** What a client sees of its user: never the openid, never WeChat's session_key. */
export interface UserView {
  id: string;
  status: UserStatus;
  /** Only while pending: what the user shows the operator. */
  approvalCode: string | null;
}

export interface AuthSession {
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  user: UserView;
}

export interface AuthServiceOptions {
  code2Session: Code2Session;
  directory: UserDirectory;
  tokens: AccessTokens;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  /** Sign-in and refresh attempts per client IP per minute; onRejected feeds the metrics. */
  signInLimit: { counter: Counter; perMinute: number; onRejected?: () => void };
}

const MAX_CODE_LENGTH = 128;
const MAX_REFRESH_TOKEN_LENGTH = 128;

/** Sign-in with a wx.login code, session refresh with rotation and reuse detection, sign-out. */
export class AuthService {
  readonly #options: AuthServiceOptions;

  constructor(options: AuthServiceOptions) {
    this.#options = options;
  }

  #view(user: UserRecord): UserView {
    const status = effectiveStatus(user, this.#options.directory.access);
    return { id: user.id, status, approvalCode: status === 'pending' ? user.approvalCode : null };
  }

  async #throttle(clientIp: string): Promise<void> {
    const { counter, perMinute, onRejected } = this.#options.signInLimit;
    const verdict = await counter.consume(clientIp, perMinute);
    if (!verdict.allowed) {
      onRejected?.();
      const retryAfter = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      throw new AppError('RATE_LIMITED', `Too many sign-in attempts from this address: retry in ${retryAfter} s.`, {
        retryAfter,
      });
    }
  }

  async #issue(user: UserRecord, sessionId: string, refreshToken: string): Promise<AuthSession> {
    const { tokens, accessTtlSeconds } = this.#options;
    const accessToken = await tokens.sign({ userId: user.id, sessionId, openid: user.openid });
    return { accessToken, expiresIn: accessTtlSeconds, refreshToken, user: this.#view(user) };
  }

  async signInWithWechat(code: string, clientIp: string): Promise<AuthSession> {
    if (typeof code !== 'string' || code.trim() === '' || code.length > MAX_CODE_LENGTH) {
      throw new AppError('INVALID_INPUT', 'code must be the non-empty code from wx.login().');
    }
    await this.#throttle(clientIp);
    const wechat = await this.#options.code2Session(code.trim());
    const { users, sessions, access } = this.#options.directory;
    const user = await users.findOrCreate(wechat.openid, wechat.unionid ?? null, initialStatus(access));
    if (effectiveStatus(user, access) === 'blocked') throw blocked();
    const refreshToken = newRefreshToken();
    const sessionId = await sessions.createSession(
      user.id,
      hashRefreshToken(refreshToken),
      Date.now() + this.#options.refreshTtlSeconds * 1000,
    );
    return this.#issue(user, sessionId, refreshToken);
  }

  async refresh(refreshToken: string, clientIp: string): Promise<AuthSession> {
    if (typeof refreshToken !== 'string' || refreshToken === '' || refreshToken.length > MAX_REFRESH_TOKEN_LENGTH) {
      throw new AppError('INVALID_INPUT', 'refreshToken must be the refresh token of a session.');
    }
    await this.#throttle(clientIp);
    const { sessions } = this.#options.directory;
    const next = newRefreshToken();
    const outcome = await sessions.rotate(
      hashRefreshToken(refreshToken),
      hashRefreshToken(next),
      Date.now() + this.#options.refreshTtlSeconds * 1000,
    );
    if (outcome.kind === 'reused') {
      await sessions.revoke(outcome.sessionId);
      this.#options.directory.forget(outcome.sessionId);
      throw new AppError(
        'UNAUTHENTICATED',
        'This refresh token was already used, so the session was ended everywhere for safety: sign in again.',
      );
    }
    if (outcome.kind === 'invalid') {
      throw new AppError('UNAUTHENTICATED', 'The refresh token is unknown, expired or signed out: sign in again.');
    }
    const { user } = await this.#options.directory.standing(outcome.sessionId);
    return this.#issue(user, outcome.sessionId, next);
  }

  /** Ends the caller's session family: its refresh token stops working, its access tokens too (within the cache TTL elsewhere). */
  async signOut(principal: Principal): Promise<boolean> {
    if (principal.kind !== 'user' || !principal.sessionId) return false;
    await this.#options.directory.sessions.revoke(principal.sessionId);
    this.#options.directory.forget(principal.sessionId);
    return true;
  }

  /** The caller as a user; an API key reads as an active pseudo-user named by its principal id. */
  async me(principal: Principal): Promise<UserView> {
    if (principal.kind !== 'user' || !principal.sessionId)
      return { id: principal.id, status: 'active', approvalCode: null };
    const { user } = await this.#options.directory.standing(principal.sessionId);
    return this.#view(user);
  }
}
