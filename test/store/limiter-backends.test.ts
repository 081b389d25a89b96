import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLimiterBackend } from '../../src/limits/backends.ts';
import { Counter, type LimiterBackend } from '../../src/limits/limiter.ts';
import { type Database, openDatabase } from '../../src/store/database.ts';
import { engineTitle, freshDatabase, TEST_ENGINES, type TestDatabase } from '../helpers/databases.ts';

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

    it('counts in the store engine, each key on its own, with per-call allowances over one counter', async () => {
      expect(backend.name).toBe(engine.name);
      const counter = new Counter(backend, 'test-turns', 60);
      expect(await counter.consume('a', 2)).toMatchObject({ allowed: true, remaining: 1 });
      expect(await counter.consume('a', 2)).toMatchObject({ allowed: true, remaining: 0 });
      const refused = await counter.consume('a', 2);
      expect(refused.allowed).toBe(false);
      if (!refused.allowed) expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(await counter.consume('a', 5)).toMatchObject({ allowed: true });
      expect(await counter.consume('b', 2)).toMatchObject({ allowed: true, remaining: 1 });
    });

    it('adds points past any allowance and reports usage with the window end', async () => {
      const counter = new Counter(backend, 'test-tokens', 86_400);
      expect(await counter.usage('u')).toEqual({ used: 0, resetAt: undefined });
      await counter.add('u', 700);
      await counter.add('u', 800);
      const usage = await counter.usage('u');
      expect(usage.used).toBe(1500);
      expect(usage.resetAt).toBeGreaterThan(Date.now());
      await counter.reset('u');
      expect((await counter.usage('u')).used).toBe(0);
    });

    it("counts while a store transaction is open across awaits (the store's own connection, no lock wait)", async () => {
      const counter = new Counter(backend, 'test-interleaved', 60);
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
  });
}
