import type { Kysely } from 'kysely';

/** The WeChat access token, shared by every instance on this database (one fetch, not one per instance). */
export function wechatToken() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('wechat_tokens')
        .addColumn('app_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('access_token', 'varchar(1024)', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('renew_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('wechat_tokens').execute();
    },
  };
}
