import type { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterSQLite,
} from 'rate-limiter-flexible';
import type { Database } from '../store/database.ts';
import type { LimiterBackend, WindowSpec } from './limiter.ts';
import { type RedisBackendOptions, redisBackend } from './redis-backend.ts';

/** Every counter shares one table: the library keys rows by `<keyPrefix>:<key>`. */
const TABLE = 'limit_counters';
const SWEEP_MS = 300_000;

export function memoryBackend(): LimiterBackend {
  return {
    name: 'memory',
    create: (spec) =>
      new RateLimiterMemory({ keyPrefix: spec.keyPrefix, points: spec.points, duration: spec.durationSeconds }),
    close: async () => {},
  };
}

/** Waits for a store limiter's table (created by the library in its constructor). */
function created<T>(build: (cb: (error?: Error) => void) => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const limiter = build((error) => (error ? reject(error) : resolve(limiter)));
  });
}

/**
 * Keeps expired rows out (the library's own sweeper timer is never cancelled, and would run against a closed
 * database after shutdown); one limiter's clearExpired covers the shared table.
 */
function sweeping(limiter: RateLimiterAbstract): () => void {
  // Public in the library (both store limiters), missing from its typings.
  const store = limiter as unknown as { clearExpired(before: number): Promise<unknown> };
  const timer = setInterval(() => {
    store.clearExpired(Date.now() - 60_000).catch(() => {});
  }, SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * node:sqlite as the better-sqlite3 subset RateLimiterSQLite drives (`prepare`, `transaction`), on the store's own
 * connection. A second connection to the file would deadlock: Kysely holds a write transaction across awaits, and
 * the other connection's synchronous busy-wait would block the very event loop that must commit it. The library's
 * writes are single upserts (atomic by themselves) run between Kysely's statements, so `transaction` adds no
 * BEGIN: inside a store transaction that later rolls back, the count goes with it, which only ever under-counts an
 * error. Statements are prepared once.
 */
function betterSqliteShape(database: DatabaseSync) {
  const prepared = new Map<string, StatementSync>();
  return {
    prepare(sql: string): StatementSync {
      let statement = prepared.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        prepared.set(sql, statement);
      }
      return statement;
    },
    transaction:
      <A extends unknown[], R>(fn: (...args: A) => R) =>
      (...args: A): R =>
        fn(...args),
  };
}

/** What the two table-backed limiters of the library share: one table, created once, swept by us. */
interface TableOptions {
  tableName: string;
  tableCreated: boolean;
  clearExpiredByTimeout: false;
  keyPrefix: string;
  points: number;
  duration: number;
}

async function tableBackend(
  name: LimiterBackend['name'],
  make: (options: TableOptions, cb?: (error?: Error) => void) => RateLimiterAbstract,
): Promise<LimiterBackend> {
  const build = (spec: WindowSpec, tableCreated: boolean, cb?: (error?: Error) => void) =>
    make(
      {
        tableName: TABLE,
        tableCreated,
        clearExpiredByTimeout: false,
        keyPrefix: spec.keyPrefix,
        points: spec.points,
        duration: spec.durationSeconds,
      },
      cb,
    );
  const first = await created((cb) => build({ keyPrefix: 'setup', points: 1, durationSeconds: 1 }, false, cb));
  const stopSweeping = sweeping(first);
  return {
    name,
    create: (spec) => build(spec, true),
    async close() {
      stopSweeping();
    },
  };
}

/** The longest window a SQLite-backed server counts in memory (see sqliteBackend). */
const SQLITE_IN_MEMORY_WINDOW_S = 60;

/**
 * A SQLite file serves one instance, so no other process needs its counters. Windows of a minute or less (turns
 * and sign-ins per minute) are counted in this process: a restart forgets under a minute of counting, where each
 * count in the file would be a commit of its own on every turn's path. Longer windows (the daily token quota) are
 * kept in the file, so a restart does not hand out a fresh day.
 */
export async function sqliteBackend(database: Database): Promise<LimiterBackend> {
  const connection = database.sqlite;
  if (!connection) throw new Error('sqliteBackend needs a SQLite database');
  const storeClient = betterSqliteShape(connection);
  const file = await tableBackend(
    'sqlite',
    (options, cb) =>
      new RateLimiterSQLite({ storeClient, storeType: 'better-sqlite3', ...options }, cb) as RateLimiterAbstract,
  );
  const memory = memoryBackend();
  return {
    ...file,
    create: (spec) => (spec.durationSeconds <= SQLITE_IN_MEMORY_WINDOW_S ? memory : file).create(spec),
  };
}

export async function postgresBackend(database: Database): Promise<LimiterBackend> {
  const pool = database.pool;
  if (!pool) throw new Error('postgresBackend needs a PostgreSQL database');
  return tableBackend(
    'postgres',
    (options, cb) => new RateLimiterPostgres({ storeClient: pool, storeType: 'pool', ...options }, cb),
  );
}

/**
 * With REDIS_URL, Redis holds the counters (every instance shares them). Otherwise the store's engine does (so
 * every instance on one PostgreSQL database shares them, and a restart keeps them; SQLite keeps only the longer
 * windows); without a store (DATABASE_URL=none) they are counted in memory.
 */
export async function openLimiterBackend(
  database: Database | undefined,
  redis?: RedisBackendOptions,
): Promise<LimiterBackend> {
  if (redis) return redisBackend(redis);
  if (!database) return memoryBackend();
  return database.dialect === 'postgres' ? postgresBackend(database) : sqliteBackend(database);
}
