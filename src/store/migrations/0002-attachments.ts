import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/** Users' attachments: content-addressed bytes and per-message metadata. */
export function attachments(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('blobs')
        .addColumn('sha256', 'char(64)', (c) => c.primaryKey())
        .addColumn('bytes', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('attachments')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('owner', 'varchar(128)', (c) => c.notNull())
        .addColumn('conversation_id', 'varchar(64)', (c) =>
          c.notNull().references('conversations.id').onDelete('cascade'),
        )
        .addColumn('message_id', 'varchar(64)', (c) => c.notNull().references('messages.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'char(64)', (c) => c.notNull().references('blobs.sha256'))
        .addColumn('kind', 'varchar(8)', (c) => c.notNull())
        .addColumn('name', 'varchar(255)')
        .addColumn('mime_type', 'varchar(128)', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('attachments_by_message').on('attachments').column('message_id').execute();
      await db.schema.createIndex('attachments_by_owner').on('attachments').columns(['owner', 'created_at']).execute();
      await db.schema.createIndex('attachments_by_blob').on('attachments').column('sha256').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('attachments').execute();
      await db.schema.dropTable('blobs').execute();
    },
  };
}
