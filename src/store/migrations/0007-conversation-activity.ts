import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * A conversation's last activity (`updated_at`, which orders the list) follows its newest message inside the
 * message's own INSERT: every turn saved a statement of its own (an UPDATE through the whole query executor) to
 * touch it. Never moves backwards. Kysely has no trigger builder: the DDL goes through its `sql` tag.
 */
export function conversationActivity(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'sqlite') {
        await sql`create trigger messages_touch_conversation after insert on messages for each row begin
          update conversations set updated_at = new.created_at
          where id = new.conversation_id and updated_at < new.created_at; end`.execute(db);
        return;
      }
      await sql`create function messages_touch_conversation() returns trigger language plpgsql as $$ begin
          update conversations set updated_at = new.created_at
          where id = new.conversation_id and updated_at < new.created_at;
          return null; end $$`.execute(db);
      await sql`create trigger messages_touch_conversation after insert on messages for each row
          execute function messages_touch_conversation()`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`drop trigger messages_touch_conversation${dialect === 'sqlite' ? sql`` : sql` on messages`}`.execute(
        db,
      );
      if (dialect === 'postgres') await sql`drop function messages_touch_conversation()`.execute(db);
    },
  };
}
