import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/** Conversations and their messages. */
export function conversations(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('conversations')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('owner', 'varchar(128)', (c) => c.notNull())
        .addColumn('title', 'varchar(256)', (c) => c.notNull())
        .addColumn('session_key', 'varchar(128)', (c) => c.notNull())
        .addColumn('external_key', 'varchar(128)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('conversations_by_activity')
        .on('conversations')
        .columns(['owner', 'updated_at', 'id'])
        .execute();
      await db.schema
        .createIndex('conversations_by_external_key')
        .unique()
        .on('conversations')
        .columns(['owner', 'external_key'])
        .execute();

      await db.schema
        .createTable('messages')
        .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('id', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('conversation_id', 'varchar(64)', (c) =>
          c.notNull().references('conversations.id').onDelete('cascade'),
        )
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)')
        .addColumn('run_id', 'varchar(64)')
        .addColumn('model', 'varchar(128)')
        .addColumn('usage', 'text')
        .addColumn('finish_reason', 'varchar(64)')
        .addColumn('error_code', 'varchar(32)')
        .addColumn('error_message', 'text')
        .addColumn('event_count', 'integer')
        .addColumn('output_attachments', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('messages_by_conversation')
        .on('messages')
        .columns(['conversation_id', 'seq'])
        .execute();
      await db.schema.createIndex('messages_by_run').on('messages').column('run_id').execute();
      // Only answers still running (a handful), for the boot-time recovery: finished ones cost no index writes.
      await db.schema
        .createIndex('messages_running')
        .on('messages')
        .column('status')
        .where('status', '=', 'running')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('messages').execute();
      await db.schema.dropTable('conversations').execute();
    },
  };
}
