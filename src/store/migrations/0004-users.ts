import type { Kysely } from 'kysely';

/** Signed-in users, their session families and refresh tokens (hashes only). Limit counters are the limiter's. */
export function users() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('openid', 'varchar(128)', (c) => c.notNull().unique())
        .addColumn('unionid', 'varchar(128)')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('approval_code', 'varchar(16)', (c) => c.notNull().unique())
        .addColumn('requests_per_minute', 'integer')
        .addColumn('tokens_per_day', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('users_by_status').on('users').columns(['status', 'created_at']).execute();
      await db.schema
        .createTable('auth_sessions')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('auth_sessions_by_user').on('auth_sessions').column('user_id').execute();
      await db.schema
        .createTable('refresh_tokens')
        .addColumn('hash', 'char(64)', (c) => c.primaryKey())
        .addColumn('session_id', 'varchar(64)', (c) => c.notNull().references('auth_sessions.id').onDelete('cascade'))
        .addColumn('used_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('refresh_tokens_by_session').on('refresh_tokens').column('session_id').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('refresh_tokens').execute();
      await db.schema.dropTable('auth_sessions').execute();
      await db.schema.dropTable('users').execute();
    },
  };
}
