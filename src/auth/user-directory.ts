import type { Principal } from '../chat/principal.ts';
import type { AccessConfig } from '../config/env.ts';
import { AppError } from '../contract/errors.ts';
import type { UserStatus } from '../store/schema.ts';
import type { SessionState, SessionStore } from '../store/session-store.ts';
import type { UserRecord, UserStore } from '../store/user-store.ts';
import { effectiveStatus } from './access-policy.ts';

/** Sessions looked up at once at most; past it the oldest entry goes (the store stays the truth). */
const MAX_CACHED = 10_000;

export interface Standing {
  user: UserRecord;
  status: UserStatus;
}

/**
 * A signed-in caller's session and user, re-read from the store at most every AUTH_CACHE_TTL_MS: how an admin
 * command's approve, block or new limits reach a running server within seconds, at one small query per session
 * per interval. Concurrent lookups of one session share a query.
 */
export class UserDirectory {
  readonly #users: UserStore;
  readonly #sessions: SessionStore;
  readonly #access: AccessConfig;
  readonly #cache = new Map<string, { at: number; state: Promise<SessionState | undefined> }>();

  constructor(users: UserStore, sessions: SessionStore, access: AccessConfig) {
    this.#users = users;
    this.#sessions = sessions;
    this.#access = access;
  }

  get users(): UserStore {
    return this.#users;
  }

  get sessions(): SessionStore {
    return this.#sessions;
  }

  get access(): AccessConfig {
    return this.#access;
  }

  #session(sessionId: string): Promise<SessionState | undefined> {
    const now = Date.now();
    const cached = this.#cache.get(sessionId);
    if (cached && now - cached.at < this.#access.cacheTtlMs) return cached.state;
    if (cached) this.#cache.delete(sessionId);
    else if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value as string);
    const state = this.#sessions.state(sessionId);
    this.#cache.set(sessionId, { at: now, state });
    state.catch(() => this.#cache.delete(sessionId));
    return state;
  }

  /** Drops what this instance cached (its own sign-out); other instances follow within the TTL. */
  forget(sessionId: string): void {
    this.#cache.delete(sessionId);
  }

  /** The user behind a session, refused when signed out, expired or blocked. Pending users pass: see admit(). */
  async standing(sessionId: string): Promise<Standing> {
    const state = await this.#session(sessionId);
    if (!state || state.revoked || state.expiresAt <= Date.now()) {
      throw new AppError('UNAUTHENTICATED', 'This session was signed out or has ended: sign in again (wx.login).');
    }
    const status = effectiveStatus(state.user, this.#access);
    if (status === 'blocked') throw blocked();
    return { user: state.user, status };
  }

  /** Who may start a chat: active users; a pending one is told its approval code. */
  async admit(principal: Principal): Promise<Standing | undefined> {
    if (principal.kind === 'guest') {
      throw new AppError('UNAUTHENTICATED', 'Sign in first (signInWithWechat), or send an API key.');
    }
    if (principal.kind !== 'user' || !principal.sessionId) return undefined;
    const standing = await this.standing(principal.sessionId);
    if (standing.status === 'pending') {
      throw new AppError(
        'PENDING_APPROVAL',
        `This account waits for the operator's approval: show them the code ${standing.user.approvalCode}.`,
        { approvalCode: standing.user.approvalCode },
      );
    }
    return standing;
  }
}

export const blocked = () => new AppError('FORBIDDEN', 'This account is blocked by the operator.');
