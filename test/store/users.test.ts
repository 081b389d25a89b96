import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRefreshToken, newRefreshToken } from '../../src/auth/tokens.ts';
import { type Database, openDatabase } from '../../src/store/database.ts';
import { SessionStore } from '../../src/store/session-store.ts';
import { isApprovalCode, UserStore } from '../../src/store/user-store.ts';
import { engineTitle, freshDatabase, TEST_ENGINES, type TestDatabase } from '../helpers/databases.ts';

const DAY = 86_400_000;

for (const engine of TEST_ENGINES) {
  describe.skipIf(engine.skipReason !== undefined)(`user store on ${engineTitle(engine)}`, () => {
    let testDb: TestDatabase;
    let database: Database;
    let users: UserStore;
    let sessions: SessionStore;

    beforeAll(async () => {
      testDb = await freshDatabase(engine.name);
      database = await openDatabase({ url: testDb.url });
      users = new UserStore(database);
      sessions = new SessionStore(database);
    });
    afterAll(async () => {
      await database?.close();
      await testDb?.drop();
    });

    it('creates a user once per openid, with a readable approval code, and keeps its status', async () => {
      const [a, b] = await Promise.all([
        users.findOrCreate('o_same', null, 'pending'),
        users.findOrCreate('o_same', 'un_same', 'pending'),
      ]);
      expect(a.id).toBe(b.id);
      expect(isApprovalCode(a.approvalCode)).toBe(true);
      await users.setStatus(a.id, 'active');
      const again = await users.findOrCreate('o_same', 'un_same', 'pending');
      expect(again).toMatchObject({ id: a.id, status: 'active', unionid: 'un_same' });
      expect((await users.find(a.approvalCode.toLowerCase()))?.id).toBe(a.id);
      expect((await users.find(a.id))?.openid).toBe('o_same');
      expect(await users.find('nobody')).toBeUndefined();
    });

    it('lists by status, newest first, and stores limit overrides (null: back to default)', async () => {
      const p = await users.findOrCreate('o_pending', null, 'pending', Date.now() + 1);
      expect((await users.list({ status: 'pending' })).map((u) => u.id)).toContain(p.id);
      expect((await users.list({ status: 'active' })).map((u) => u.id)).not.toContain(p.id);
      await users.setLimits(p.id, { requestsPerMinute: 5, tokensPerDay: 10_000_000_000 });
      expect(await users.get(p.id)).toMatchObject({ requestsPerMinute: 5, tokensPerDay: 10_000_000_000 });
      await users.setLimits(p.id, { requestsPerMinute: null });
      expect(await users.get(p.id)).toMatchObject({ requestsPerMinute: null, tokensPerDay: 10_000_000_000 });
    });

    it('rotates a refresh token exactly once; the loser of a race, or a replay, is reuse', async () => {
      const user = await users.findOrCreate('o_rotate', null, 'active');
      const first = newRefreshToken();
      const sessionId = await sessions.createSession(user.id, hashRefreshToken(first), Date.now() + DAY);
      const outcomes = await Promise.all(
        [newRefreshToken(), newRefreshToken()].map((next) =>
          sessions.rotate(hashRefreshToken(first), hashRefreshToken(next), Date.now() + DAY),
        ),
      );
      expect(outcomes.map((o) => o.kind).sort()).toEqual(['reused', 'rotated']);
      expect(outcomes.find((o) => o.kind === 'rotated')).toMatchObject({ userId: user.id, sessionId });
      expect(await sessions.rotate(hashRefreshToken('never issued'), 'x'.repeat(64), Date.now() + DAY)).toEqual({
        kind: 'invalid',
      });
    });

    it('a revoked or expired family rotates nothing, and reads as such', async () => {
      const user = await users.findOrCreate('o_revoke', null, 'active');
      const token = newRefreshToken();
      const sessionId = await sessions.createSession(user.id, hashRefreshToken(token), Date.now() + DAY);
      expect(await sessions.state(sessionId)).toMatchObject({ revoked: false, user: { id: user.id } });
      await sessions.revoke(sessionId);
      expect(await sessions.state(sessionId)).toMatchObject({ revoked: true });
      expect((await sessions.rotate(hashRefreshToken(token), hashRefreshToken('n'), Date.now() + DAY)).kind).toBe(
        'invalid',
      );

      const old = newRefreshToken();
      const expired = await sessions.createSession(user.id, hashRefreshToken(old), Date.now() - 1);
      expect((await sessions.rotate(hashRefreshToken(old), hashRefreshToken('m'), Date.now() + DAY)).kind).toBe(
        'invalid',
      );
      expect(await sessions.sweepExpired()).toBeGreaterThanOrEqual(1);
      expect(await sessions.state(expired)).toBeUndefined();
    });
  });
}
