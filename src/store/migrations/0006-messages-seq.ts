import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Fewer pages written per commit (each one a 4 KiB WAL frame on SQLite):
 * - `messages.seq` loses AUTOINCREMENT, which rewrote `sqlite_sequence` on every commit. A plain INTEGER PRIMARY
 *   KEY still takes max(seq) + 1, so a conversation's messages stay in insertion order; a seq freed by a deletion
 *   at the very end may be reused, by then by another conversation (cursors are per conversation).
 * - `messages_by_run` indexes only answers (users' turns have no run): their NULLs were inserted mid-index, a
 *   second page per commit, and the index half its size. `run_id = ?` implies NOT NULL, so lookups still use it.
 * SQLite cannot drop AUTOINCREMENT in place: the table is rebuilt (SQLite's documented procedure, foreign keys off
 * so the drop does not cascade to attachments). PostgreSQL's bigserial had no such table: only the index changes.
 */
export function messagesSeq(dialect: Dialect) {
  return {
    up: (db: Kysely<unknown>) =>
      dialect === 'sqlite' ? rebuildSqliteMessages(db, { autoIncrement: false }) : replaceRunIndex(db, true),
    down: (db: Kysely<unknown>) =>
      dialect === 'sqlite' ? rebuildSqliteMessages(db, { autoIncrement: true }) : replaceRunIndex(db, false),
  };
}

async function replaceRunIndex(db: Kysely<unknown>, answersOnly: boolean): Promise<void> {
  await db.schema.dropIndex('messages_by_run').execute();
  const index = db.schema.createIndex('messages_by_run').on('messages').column('run_id');
  await (answersOnly ? index.where('run_id', 'is not', null) : index).execute();
}

const COLUMNS = [
  'seq',
  'id',
  'conversation_id',
  'role',
  'content',
  'status',
  'run_id',
  'model',
  'usage',
  'finish_reason',
  'error_code',
  'error_message',
  'event_count',
  'output_attachments',
  'created_at',
  'updated_at',
] as const;

/** The two tables as this migration sees them (not the app's schema, which may change later). */
type Row = Record<(typeof COLUMNS)[number], unknown>;
type Rebuild = { messages: Row; messages_next: Row };

async function rebuildSqliteMessages(db: Kysely<unknown>, options: { autoIncrement: boolean }): Promise<void> {
  // A no-op inside a transaction, so before it; it holds for this connection (SQLite's store has only one).
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await db.transaction().execute(async (tx) => {
      await tx.schema
        .createTable('messages_next')
        .addColumn('seq', 'integer', (c) => (options.autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()))
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
      await (tx as Kysely<Rebuild>)
        .insertInto('messages_next')
        .columns(COLUMNS)
        .expression((eb) => eb.selectFrom('messages').select(COLUMNS))
        .execute();
      await tx.schema.dropTable('messages').execute();
      await tx.schema.alterTable('messages_next').renameTo('messages').execute();
      await tx.schema
        .createIndex('messages_by_conversation')
        .on('messages')
        .columns(['conversation_id', 'seq'])
        .execute();
      const byRun = tx.schema.createIndex('messages_by_run').on('messages').column('run_id');
      await (options.autoIncrement ? byRun : byRun.where('run_id', 'is not', null)).execute();
      await tx.schema
        .createIndex('messages_running')
        .on('messages')
        .column('status')
        .where('status', '=', 'running')
        .execute();
      const broken = await sql`pragma foreign_key_check`.execute(tx);
      if (broken.rows.length > 0) throw new Error('messages rebuild: foreign keys no longer hold');
    });
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
