import type { Kysely } from 'kysely';

/** resetConversation: the gateway session a conversation's turns run in is `session_key` plus its generation. */
export function sessionGeneration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('conversations')
        .addColumn('session_generation', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('conversations').dropColumn('session_generation').execute();
    },
  };
}
