import type { Kysely } from 'kysely';
import type { Database } from './database.ts';
import { newId } from './ids.ts';
import type { StoreSchema } from './schema.ts';
import { toUser, type UserRecord } from './user-store.ts';

export type RotateOutcome =
  | { kind: 'rotated'; userId: string; sessionId: string }
  | { kind: 'reused'; sessionId: string }
  | { kind: 'invalid' };

/** A session's state with its user, what authentication re-reads (cached) on every call. */
export interface SessionState {
  user: UserRecord;
  revoked: boolean;
  expiresAt: number;
}

/** Session families and their refresh tokens, by hash only (the tokens themselves are never stored). */
export class SessionStore {
  readonly #db: Kysely<StoreSchema>;

  constructor(database: Database) {
    this.#db = database.db;
  }

  /** A new session family with its first refresh token (by hash). */
  async createSession(userId: string, refreshHash: string, expiresAt: number, now = Date.now()): Promise<string> {
    const id = newId('s');
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('auth_sessions')
        .values({ id, user_id: userId, created_at: now, expires_at: expiresAt, revoked_at: null })
        .execute();
      await trx
        .insertInto('refresh_tokens')
        .values({ hash: refreshHash, session_id: id, used_at: null, created_at: now })
        .execute();
    });
    return id;
  }

  /**
   * Swaps a refresh token for the next one. The conditional update lets exactly one caller rotate a token: a
   * token already rotated, presented again, is reuse (a copy is loose), and the caller revokes the family.
   */
  async rotate(hash: string, nextHash: string, expiresAt: number, now = Date.now()): Promise<RotateOutcome> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('refresh_tokens')
        .innerJoin('auth_sessions', 'auth_sessions.id', 'refresh_tokens.session_id')
        .select([
          'refresh_tokens.session_id',
          'auth_sessions.user_id',
          'auth_sessions.expires_at',
          'auth_sessions.revoked_at',
        ])
        .where('refresh_tokens.hash', '=', hash)
        .executeTakeFirst();
      if (!row || row.revoked_at !== null || row.expires_at <= now) return { kind: 'invalid' };
      const marked = await trx
        .updateTable('refresh_tokens')
        .set({ used_at: now })
        .where('hash', '=', hash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (marked.numUpdatedRows === 0n) return { kind: 'reused', sessionId: row.session_id };
      await trx
        .insertInto('refresh_tokens')
        .values({ hash: nextHash, session_id: row.session_id, used_at: null, created_at: now })
        .execute();
      await trx.updateTable('auth_sessions').set({ expires_at: expiresAt }).where('id', '=', row.session_id).execute();
      return { kind: 'rotated', userId: row.user_id, sessionId: row.session_id };
    });
  }

  async revoke(sessionId: string, now = Date.now()): Promise<void> {
    await this.#db
      .updateTable('auth_sessions')
      .set({ revoked_at: now })
      .where('id', '=', sessionId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async state(sessionId: string): Promise<SessionState | undefined> {
    const row = await this.#db
      .selectFrom('auth_sessions')
      .innerJoin('users', 'users.id', 'auth_sessions.user_id')
      .selectAll('users')
      .select(['auth_sessions.revoked_at', 'auth_sessions.expires_at'])
      .where('auth_sessions.id', '=', sessionId)
      .executeTakeFirst();
    if (!row) return undefined;
    const { revoked_at, expires_at, ...user } = row;
    return { user: toUser(user), revoked: revoked_at !== null, expiresAt: expires_at };
  }

  /** Housekeeping: families past their expiry (and their tokens, by cascade). */
  async sweepExpired(now = Date.now()): Promise<number> {
    const result = await this.#db.deleteFrom('auth_sessions').where('expires_at', '<', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
