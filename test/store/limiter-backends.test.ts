import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLimiterBackend } from '../../src/limits/backends.ts';
import { Counter, type LimiterBackend } from '../../src/limits/limiter.ts';
import { connectRedis, ready } from '../../src/redis/connection.ts';
import { type Database, openDatabase } from '../../src/store/database.ts';
import { engineTitle, freshDatabase, TEST_ENGINES, type TestDatabase } from '../helpers/databases.ts';
import { dropPrefix, redisSkipReason, redisTitle, redisUrl, uniquePrefix } from '../helpers/redis.ts';

/** An hour: a window every backend counts in its engine (SQLite keeps a minute's in memory, tested below). */
const HOUR = 3600;

/** What every backend must do, whatever holds its counters. */
function counterCases(backend: () => LimiterBackend, name: string) {
  it('counts in its engine, each key on its own, with per-call allowances over one counter', async () => {
    expect(backend().name).toBe(name);
    const counter = new Counter(backend(), 'test-turns', HOUR);
    expect(await counter.consume('a', 2)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await counter.consume('a', 2)).toMatchObject({ allowed: true, remaining: 0 });
    const refused = await counter.consume('a', 2);
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(await counter.consume('a', 5)).toMatchObject({ allowed: true });
    expect(await counter.consume('b', 2)).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('gives a refunded point back', async () => {
    const counter = new Counter(backend(), 'test-refund', HOUR);
    expect((await counter.consume('r', 1)).allowed).toBe(true);
    await counter.refund('r');
    expect(await counter.consume('r', 1)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await counter.consume('r', 1)).allowed).toBe(false);
  });

  it('adds points past any allowance and reports usage with the window end', async () => {
    const counter = new Counter(backend(), 'test-tokens', 86_400);
    expect(await counter.usage('u')).toEqual({ used: 0, resetAt: undefined });
    await counter.add('u', 700);
    await counter.add('u', 800);
    const usage = await counter.usage('u');
    expect(usage.used).toBe(1500);
    expect(usage.resetAt).toBeGreaterThan(Date.now());
    await counter.reset('u');
    expect((await counter.usage('u')).used).toBe(0);
  });
}

for (const engine of TEST_ENGINES) {
  describe.skipIf(engine.skipReason !== undefined)(`limiter backend on ${engineTitle(engine)}`, () => {
    let testDb: TestDatabase;
    let database: Database;
    let backend: LimiterBackend;

    beforeAll(async () => {
      testDb = await freshDatabase(engine.name);
      database = await openDatabase({ url: testDb.url });
      backend = await openLimiterBackend(database);
    });
    afterAll(async () => {
      await backend?.close();
      await database?.close();
      await testDb?.drop();
    });

    counterCases(() => backend, engine.name);

    it("counts while a store transaction is open across awaits (the store's own connection, no lock wait)", async () => {
      const counter = new Counter(backend, 'test-interleaved', HOUR);
      let counted: unknown;
      await database.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('users')
          .values({
            id: `u_tx_${engine.name}`,
            openid: `o_tx_${engine.name}`,
            unionid: null,
            status: 'pending',
            approval_code: 'TXTX23',
            requests_per_minute: null,
            tokens_per_day: null,
            created_at: Date.now(),
            updated_at: Date.now(),
          })
          .execute();
        counted = await counter.consume('during', 10);
      });
      expect(counted).toMatchObject({ allowed: true });
      expect((await counter.usage('during')).used).toBe(1);
    });

    const keepsMinutes = engine.name === 'postgres';
    it(
      keepsMinutes
        ? 'keeps a minute and a day in the shared table, across a restart'
        : 'counts a minute in this process (no commit per turn) and keeps a day in the file, across a restart',
      async () => {
        await new Counter(backend, 'test-minute', 60).consume('k', 10);
        await new Counter(backend, 'test-day', 86_400).add('k', 5);
        const stored = await sql<{ key: string }>`select key from limit_counters where key like 'test-%:k'`.execute(
          database.db,
        );
        expect(stored.rows.map((r) => r.key).sort()).toEqual(
          keepsMinutes ? ['test-day:k', 'test-minute:k'] : ['test-day:k'],
        );

        await backend.close();
        await database.close();
        database = await openDatabase({ url: testDb.url });
        backend = await openLimiterBackend(database);
        expect((await new Counter(backend, 'test-day', 86_400).usage('k')).used).toBe(5);
        expect((await new Counter(backend, 'test-minute', 60).usage('k')).used).toBe(keepsMinutes ? 1 : 0);
      },
    );
  });
}

describe.skipIf(redisSkipReason !== undefined)(redisTitle('limiter backend on Redis (REDIS_URL)'), () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let backend: LimiterBackend;

  beforeAll(async () => {
    redis = connectRedis(redisUrl ?? '');
    await ready(redis);
    backend = await openLimiterBackend(undefined, { redis, keyPrefix: prefix });
  });
  afterAll(async () => {
    await backend?.close();
    redis?.disconnect();
    await dropPrefix(prefix);
  });

  counterCases(() => backend, 'redis');

  it('is one count for every instance: two connections (two servers) share the keys under the prefix', async () => {
    const other = connectRedis(redisUrl ?? '');
    try {
      await ready(other);
      const here = new Counter(backend, 'test-shared', 60);
      const there = new Counter(
        await openLimiterBackend(undefined, { redis: other, keyPrefix: prefix }),
        'test-shared',
        60,
      );
      expect((await here.consume('k', 2)).allowed).toBe(true);
      expect((await there.consume('k', 2)).allowed).toBe(true);
      expect((await here.consume('k', 2)).allowed).toBe(false);
      expect(await redis.exists(`${prefix}limit:test-shared:k`)).toBe(1);
    } finally {
      other.disconnect();
    }
  });

  it('counts in this process while Redis is unreachable (the insurance limiter), instead of failing', async () => {
    const unreachable = new Redis(redisUrl ?? '', { lazyConnect: true });
    const counter = new Counter(
      await openLimiterBackend(undefined, { redis: unreachable, keyPrefix: prefix }),
      'down',
      60,
    );
    expect(await counter.consume('k', 1)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await counter.consume('k', 1)).allowed).toBe(false);
    expect(unreachable.status).toBe('wait');
  });
});
