import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * node:sqlite (built into Node 24, no native build) shaped as the better-sqlite3 subset Kysely's own
 * SqliteDialect drives. StatementSync has no `reader` flag: a statement that yields columns returns rows.
 */
export function openNodeSqlite(location: string): SqliteDatabase {
  const database = new DatabaseSync(location, { timeout: 5_000, enableForeignKeyConstraints: true });
  // WAL: readers never wait for the writer; NORMAL sync is durable across a process crash (not a power cut).
  database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  return {
    close: () => database.close(),
    prepare: (sql) => statement(database.prepare(sql)),
  };
}

function statement(prepared: StatementSync): SqliteStatement {
  const args = (parameters: ReadonlyArray<unknown>) => parameters as SQLInputValue[];
  return {
    reader: prepared.columns().length > 0,
    all: (parameters) => prepared.all(...args(parameters)),
    run: (parameters) => prepared.run(...args(parameters)),
    iterate: (parameters) => prepared.iterate(...args(parameters)),
  };
}
