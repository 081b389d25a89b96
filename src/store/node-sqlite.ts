import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * node:sqlite (built into Node 24, no native build) shaped as the better-sqlite3 subset Kysely's own
 * SqliteDialect drives. StatementSync has no `reader` flag: a statement that yields columns returns rows.
 */
export function openNodeSqlite(location: string): SqliteDatabase & { readonly sync: DatabaseSync } {
  const database = new DatabaseSync(location, { timeout: 5_000, enableForeignKeyConstraints: true });
  // WAL: readers never wait for the writer; NORMAL sync is durable across a process crash (not a power cut).
  database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  // Kysely prepares every query it runs; the store's queries are a few dozen shapes, so keep them prepared.
  const prepared = new Map<string, SqliteStatement>();
  return {
    /** The connection itself, for the limiter's store: one connection per file (see limits/backends.ts). */
    sync: database,
    close: () => database.close(),
    prepare(sql) {
      let cached = prepared.get(sql);
      if (!cached) {
        if (prepared.size >= MAX_PREPARED) prepared.delete(prepared.keys().next().value as string);
        cached = statement(database.prepare(sql));
        prepared.set(sql, cached);
      }
      return cached;
    },
  };
}

/** Distinct SQL texts kept prepared (queries with IN lists vary with their length). */
const MAX_PREPARED = 256;

function statement(prepared: StatementSync): SqliteStatement {
  const args = (parameters: ReadonlyArray<unknown>) => parameters as SQLInputValue[];
  return {
    reader: prepared.columns().length > 0,
    all: (parameters) => prepared.all(...args(parameters)),
    run: (parameters) => prepared.run(...args(parameters)),
    iterate: (parameters) => prepared.iterate(...args(parameters)),
  };
}
