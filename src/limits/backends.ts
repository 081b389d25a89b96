import { DatabaseSync } from 'node:sqlite';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterSQLite,
} from 'rate-limiter-flexible';
import type { Database } from '../store/database.ts';
import type { LimiterBackend, WindowSpec } from './limiter.ts';

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
 * node:sqlite as the better-sqlite3 subset RateLimiterSQLite drives (`prepare`, `transaction`), on a connection of
 * its own to the store's file. The library's upsert is one statement; the transaction only brackets it.
 */
function betterSqliteShape(database: DatabaseSync) {
  return {
    prepare: (sql: string) => database.prepare(sql),
    transaction:
      <A extends unknown[], R>(fn: (...args: A) => R) =>
      (...args: A): R => {
        database.exec('BEGIN IMMEDIATE');
        try {
          const result = fn(...args);
          database.exec('COMMIT');
          return result;
        } catch (error) {
          database.exec('ROLLBACK');
          throw error;
        }
      },
  };
}

export async function sqliteBackend(path: string): Promise<LimiterBackend> {
  const connection = new DatabaseSync(path, { timeout: 5_000 });
  connection.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  const storeClient = betterSqliteShape(connection);
  const build = (spec: WindowSpec, tableCreated: boolean, cb?: (error?: Error) => void) =>
    new RateLimiterSQLite(
      {
        storeClient,
        storeType: 'better-sqlite3',
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
    name: 'sqlite',
    create: (spec) => build(spec, true) as RateLimiterAbstract,
    async close() {
      stopSweeping();
      connection.close();
    },
  };
}

export async function postgresBackend(database: Database): Promise<LimiterBackend> {
  const pool = database.pool;
  if (!pool) throw new Error('postgresBackend needs a PostgreSQL database');
  const build = (spec: WindowSpec, tableCreated: boolean, cb?: (error?: Error) => void) =>
    new RateLimiterPostgres(
      {
        storeClient: pool,
        storeType: 'pool',
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
    name: 'postgres',
    create: (spec) => build(spec, true),
    async close() {
      stopSweeping();
    },
  };
}

/**
 * The store's engine holds the counters, so every instance on one PostgreSQL database shares them. No store, or an
 * in-memory SQLite one (which lives and dies with this process anyway), counts in memory.
 */
export async function openLimiterBackend(database: Database | undefined): Promise<LimiterBackend> {
  if (!database) return memoryBackend();
  if (database.location.dialect === 'postgres') return postgresBackend(database);
  if (database.location.path === ':memory:') return memoryBackend();
  return sqliteBackend(database.location.path);
}
