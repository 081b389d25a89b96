import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './database.ts';
import { newId } from './ids.ts';
import type { StoreSchema, UserStatus, UserTable } from './schema.ts';

export interface UserRecord {
  id: string;
  openid: string;
  unionid: string | null;
  status: UserStatus;
  approvalCode: string;
  requestsPerMinute: number | null;
  tokensPerDay: number | null;
  createdAt: number;
  updatedAt: number;
}

export const toUser = (row: UserTable): UserRecord => ({
  id: row.id,
  openid: row.openid,
  unionid: row.unionid,
  status: row.status,
  approvalCode: row.approval_code,
  requestsPerMinute: row.requests_per_minute,
  tokensPerDay: row.tokens_per_day === null ? null : Number(row.tokens_per_day),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** No 0/O, 1/I/L: read aloud or typed from a phone screen without ambiguity. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 6;

export function newApprovalCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

export const isApprovalCode = (value: string) => new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`).test(value);

/** Users in the store (SQLite or PostgreSQL through Kysely): identity, status, approval code, limit overrides. */
export class UserStore {
  readonly #db: Kysely<StoreSchema>;

  constructor(database: Database) {
    this.#db = database.db;
  }

  /** The user of this openid, created with `status` (and a fresh approval code) on first sign-in. */
  async findOrCreate(
    openid: string,
    unionid: string | null,
    status: UserStatus,
    now = Date.now(),
  ): Promise<UserRecord> {
    for (let attempt = 0; ; attempt++) {
      const existing = await this.#db.selectFrom('users').selectAll().where('openid', '=', openid).executeTakeFirst();
      if (existing) {
        if (unionid && existing.unionid !== unionid) {
          await this.#db.updateTable('users').set({ unionid, updated_at: now }).where('id', '=', existing.id).execute();
        }
        return toUser({ ...existing, unionid: unionid ?? existing.unionid });
      }
      try {
        await this.#db
          .insertInto('users')
          .values({
            id: newId('u'),
            openid,
            unionid,
            status,
            approval_code: newApprovalCode(),
            requests_per_minute: null,
            tokens_per_day: null,
            created_at: now,
            updated_at: now,
          })
          .onConflict((oc) => oc.column('openid').doNothing())
          .execute();
      } catch (error) {
        // An approval code already taken (about one in 10^8 per user): draw another.
        if (attempt >= 3) throw error;
      }
    }
  }

  async get(id: string): Promise<UserRecord | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  /** By id, or by approval code (case-insensitive): what an operator types. */
  async find(idOrCode: string): Promise<UserRecord | undefined> {
    const code = idOrCode.toUpperCase();
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrCode), eb('approval_code', '=', code)]))
      .executeTakeFirst();
    return row && toUser(row);
  }

  async list(options: { status?: UserStatus; limit?: number } = {}): Promise<UserRecord[]> {
    let query = this.#db.selectFrom('users').selectAll();
    if (options.status) query = query.where('status', '=', options.status);
    const rows = await query
      .orderBy('created_at', 'desc')
      .limit(options.limit ?? 100)
      .execute();
    return rows.map(toUser);
  }

  async setStatus(id: string, status: UserStatus, now = Date.now()): Promise<boolean> {
    const result = await this.#db
      .updateTable('users')
      .set({ status, updated_at: now })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** `undefined` leaves a limit as it is; `null` goes back to the server-wide default. */
  async setLimits(
    id: string,
    limits: { requestsPerMinute?: number | null; tokensPerDay?: number | null },
    now = Date.now(),
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('users')
      .set({
        updated_at: now,
        ...(limits.requestsPerMinute !== undefined ? { requests_per_minute: limits.requestsPerMinute } : {}),
        ...(limits.tokensPerDay !== undefined ? { tokens_per_day: limits.tokensPerDay } : {}),
      })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
