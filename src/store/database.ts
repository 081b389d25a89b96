import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import pg from 'pg';
import { migrationProvider } from './migrations/index.ts';
import { openNodeSqlite } from './node-sqlite.ts';
import type { StoreSchema } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export type DatabaseLocation = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

export interface Database {
  db: Kysely<StoreSchema>;
  dialect: Dialect;
  /** PostgreSQL: the pool Kysely runs on, shared with the limiter's store. */
  pool?: pg.Pool;
  /** SQLite: the one connection Kysely runs on, shared with the limiter's store. */
  sqlite?: DatabaseSync;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `sqlite:./path.sqlite`, `sqlite::memory:` or `postgres://…`. */
  url: string;
  /** PostgreSQL only: the schema to create and use (tests isolate parallel runs this way). */
  schema?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** Apply pending migrations (the server always does; the migration tests step through them). */
  migrate?: boolean;
}

export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new Error('DATABASE_URL: sqlite: needs a path, e.g. sqlite:./data/minipro.sqlite');
    return { dialect: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', url };
  throw new Error('DATABASE_URL must start with sqlite: or postgres://');
}

const INT8_OID = 20;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens the store's database and brings its schema up to date (migrations run at boot). */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const location = parseDatabaseUrl(options.url);
  let db: Kysely<StoreSchema>;
  let pgPool: pg.Pool | undefined;
  let sqlite: DatabaseSync | undefined;
  if (location.dialect === 'sqlite') {
    if (location.path !== ':memory:') mkdirSync(dirname(location.path), { recursive: true });
    const connection = openNodeSqlite(location.path);
    sqlite = connection.sync;
    db = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database: connection }) });
  } else {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) throw new Error('invalid schema name');
    const pool = new pg.Pool({
      connectionString: location.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      // A database that stops answering fails queries instead of holding them (and the journal's queue) forever.
      query_timeout: 15_000,
      statement_timeout: 10_000,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
      // Times and sequence numbers are bigint: numbers here (epoch ms and row counts stay far below 2^53).
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    pgPool = pool;
    db = new Kysely<StoreSchema>({ dialect: new PostgresDialect({ pool }) });
    if (options.schema) await db.schema.createSchema(options.schema).ifNotExists().execute();
  }
  const database: Database = {
    db,
    dialect: location.dialect,
    ...(pgPool ? { pool: pgPool } : {}),
    ...(sqlite ? { sqlite } : {}),
    async close() {
      const ended = pgPool ? clientsEnded(pgPool) : undefined;
      await db.destroy();
      await ended;
    },
  };
  if (options.migrate !== false) {
    try {
      await migrate(database);
    } catch (error) {
      await database.close();
      throw error;
    }
  }
  return database;
}

/**
 * pg's Pool.end() resolves once its clients are *told* to end, not once they have: wait for their sockets too, so
 * a closed store holds no connection (a database dropped right after would otherwise kill one mid-goodbye).
 */
function clientsEnded(pool: pg.Pool): Promise<void> {
  let open = pool.totalCount;
  if (open === 0) return Promise.resolve();
  return new Promise((resolve) => {
    // Bounded: a shutdown never hangs on a socket that will not say goodbye.
    setTimeout(resolve, 5_000).unref();
    pool.on('remove', () => {
      if (--open === 0) resolve();
    });
  });
}

/** Applies migrations up to `target` (all when omitted); throws the first failure. */
export async function migrate(database: Database, target?: string): Promise<void> {
  const migrator = new Migrator({ db: database.db, provider: migrationProvider(database.dialect) });
  const { error } = target === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(target);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

export type { Migration };
