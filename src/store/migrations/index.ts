import type { Migration, MigrationProvider } from 'kysely/migration';
import type { Dialect } from '../database.ts';
import { conversations } from './0001-conversations.ts';
import { attachments } from './0002-attachments.ts';
import { sessionGeneration } from './0003-session-generation.ts';
import { users } from './0004-users.ts';
import { wechatToken } from './0005-wechat-token.ts';
import { messagesSeq } from './0006-messages-seq.ts';

/**
 * Every migration, in order, listed in code (not read from a folder) so the built server and the tests run the
 * same set. Append new ones; never edit one that has shipped.
 */
export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-conversations': conversations(dialect),
    '0002-attachments': attachments(dialect),
    '0003-session-generation': sessionGeneration(),
    '0004-users': users(),
    '0005-wechat-token': wechatToken(),
    '0006-messages-seq': messagesSeq(dialect),
  };
}

export const migrationProvider = (dialect: Dialect): MigrationProvider => ({
  getMigrations: async () => migrationsFor(dialect),
});
