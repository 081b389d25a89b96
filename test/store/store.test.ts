import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttachmentStore } from '../../src/store/attachment-store.ts';
import { ConversationStore, insertAttachments, type TurnStart } from '../../src/store/conversation-store.ts';
import { type Database, migrate, openDatabase } from '../../src/store/database.ts';
import { newId } from '../../src/store/ids.ts';
import { engineTitle, freshDatabase, TEST_ENGINES, type TestDatabase } from '../helpers/databases.ts';

function turn(owner: string, conversation: Partial<TurnStart['conversation']> = {}, now = Date.now()): TurnStart {
  return {
    owner,
    conversation: { id: newId('c'), title: 'Hello', sessionKey: `s-${newId('c')}`, fresh: true, ...conversation },
    user: { id: newId('m'), content: 'hello', attachments: [] },
    assistant: { id: newId('m'), runId: newId('m'), model: 'openclaw' },
    now,
  };
}

const png = (seed: string) => {
  const bytes = Buffer.from(`\x89PNG-${seed}`);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
};

for (const engine of TEST_ENGINES) {
  describe.skipIf(engine.skipReason !== undefined)(`store on ${engineTitle(engine)}`, () => {
    let testDb: TestDatabase;
    let database: Database;
    let store: ConversationStore;
    let attachments: AttachmentStore;

    beforeAll(async () => {
      testDb = await freshDatabase(engine.name);
      database = await openDatabase({ url: testDb.url });
      store = new ConversationStore(database);
      attachments = new AttachmentStore(database);
    });
    afterAll(async () => {
      await database?.close();
      await testDb?.drop();
    });

    it('records a turn in one transaction and finishes it', async () => {
      const start = turn('alice');
      const id = await store.recordTurnStart(start);
      expect(id).toBe(start.conversation.id);
      let page = await store.messages(id, 10);
      expect(page.items.map((m) => [m.role, m.status])).toEqual([
        ['user', null],
        ['assistant', 'running'],
      ]);
      await store.savePartial(start.assistant.id, 'partial', Date.now());
      await store.recordRunEnd(start.assistant.id, {
        status: 'completed',
        content: 'done',
        usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
        finishReason: 'stop',
        errorCode: null,
        errorMessage: null,
        outputAttachments: [{ type: 'image', url: 'https://x/y.png' }],
        eventCount: 4,
        now: Date.now(),
      });
      // A late partial save never overwrites the final text.
      await store.savePartial(start.assistant.id, 'stale', Date.now());
      page = await store.messages(id, 10);
      const answer = page.items[1]!;
      expect(answer).toMatchObject({ status: 'completed', content: 'done', eventCount: 4, finishReason: 'stop' });
      expect(answer.usage).toEqual({ inputTokens: 1, outputTokens: 2, totalTokens: 3 });
      expect(answer.outputAttachments).toHaveLength(1);
      expect(await store.messageByRun('alice', start.assistant.runId)).toMatchObject({ id: start.assistant.id });
      expect(await store.messageByRun('mallory', start.assistant.runId)).toBeUndefined();
    });

    it('scopes every read and write to the owner', async () => {
      const start = turn('alice');
      await store.recordTurnStart(start);
      expect(await store.get('mallory', start.conversation.id)).toBeUndefined();
      expect(await store.rename('mallory', start.conversation.id, 'x', Date.now())).toBeUndefined();
      expect(await store.delete('mallory', start.conversation.id)).toBe(false);
      expect((await store.get('alice', start.conversation.id))?.title).toBe('Hello');
    });

    it('answers which session a turn continues, never from a deleted or foreign conversation', async () => {
      const start = turn('hana');
      const id = await store.recordTurnStart(start);
      const session = { owner: 'hana', sessionKey: start.conversation.sessionKey };
      expect(await store.session('hana', id)).toEqual(session);
      expect(await store.session('hana', id)).toEqual(session); // cached on SQLite
      expect(await store.session('mallory', id)).toBeUndefined();
      expect(await store.delete('hana', id)).toBe(true);
      expect(await store.session('hana', id)).toBeUndefined();
      await expect(store.recordTurnStart(turn('hana', { id, fresh: false }))).rejects.toThrow(/no longer exists/);
    });

    it('pages conversations newest first and messages backwards, stable under inserts', async () => {
      const owner = `pager-${newId('c')}`;
      const base = Date.now();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await store.recordTurnStart(turn(owner, {}, base + i)));
      const first = await store.list(owner, 2);
      expect(first.items.map((c) => c.id)).toEqual([ids[4], ids[3]]);
      expect(first.more).toBe(true);
      await store.recordTurnStart(turn(owner, {}, base + 10)); // a new conversation arrives between pages
      const last = first.items.at(-1)!;
      const second = await store.list(owner, 10, { updatedAt: last.updatedAt, id: last.id });
      expect(second.items.map((c) => c.id)).toEqual([ids[2], ids[1], ids[0]]);
      expect(second.more).toBe(false);

      const conversationId = ids[0]!;
      for (let i = 0; i < 3; i++) {
        await store.recordTurnStart(turn(owner, { id: conversationId, fresh: false }, base + 20 + i));
      }
      // Continuing moves it to the top of the list.
      expect((await store.list(owner, 2)).items.map((c) => [c.id, c.updatedAt])).toEqual([
        [conversationId, base + 22],
        [expect.any(String), base + 10],
      ]);
      const newest = await store.messages(conversationId, 3);
      expect(newest.more).toBe(true);
      const older = await store.messages(conversationId, 10, newest.items[0]!.seq);
      expect([...older.items, ...newest.items].map((m) => m.seq)).toEqual(
        [...older.items, ...newest.items].map((m) => m.seq).sort((a, b) => a - b),
      );
      expect(older.items.length + newest.items.length).toBe(8);
    });

    it('keys legacy conversations by external key, one per owner', async () => {
      const a = await store.recordTurnStart(turn('bob', { externalKey: 'k1' }));
      const b = await store.recordTurnStart(turn('bob', { externalKey: 'k1' }));
      const c = await store.recordTurnStart(turn('carol', { externalKey: 'k1' }));
      expect(b).toBe(a);
      expect(c).not.toBe(a);
      expect((await store.messages(a, 10)).items).toHaveLength(4);
    });

    it('deduplicates attachment bytes and deletes only what a conversation alone holds', async () => {
      const image = png('shared');
      const attach = () => ({ id: newId('a'), kind: 'image' as const, name: null, mimeType: 'image/png', ...image });
      const one = turn('dave');
      one.user.attachments = [attach(), attach()];
      const two = turn('dave');
      two.user.attachments = [attach()];
      const first = await store.recordTurnStart(one);
      const second = await store.recordTurnStart(two);
      expect(await attachments.ownerBytes('dave')).toBe(image.bytes.length * 3);
      const [userMessage] = (await store.messages(first, 10)).items;
      expect(userMessage!.attachments.map((a) => a.id)).toEqual(one.user.attachments.map((a) => a.id));

      expect(await store.delete('dave', first)).toBe(true);
      expect(await attachments.read(one.user.attachments[0]!.id)).toBeUndefined();
      const kept = await attachments.read(two.user.attachments[0]!.id);
      expect(Buffer.from(kept!.bytes)).toEqual(image.bytes);
      expect(await store.delete('dave', second)).toBe(true);
      expect(
        await database.db.selectFrom('blobs').select('sha256').where('sha256', '=', image.sha256).execute(),
      ).toEqual([]);
    });

    it('sweeps attachments past retention and marks running answers interrupted', async () => {
      const old = turn('erin', {}, 1_000);
      old.user.attachments = [
        { id: newId('a'), kind: 'file', name: 'a.pdf', mimeType: 'application/pdf', ...png('old') },
      ];
      await store.recordTurnStart(old);
      expect(await attachments.sweep(2_000)).toBe(1);
      expect(await attachments.ownerBytes('erin')).toBe(0);
      const count = await store.interruptRunning('UPSTREAM_UNAVAILABLE', 'restarted', Date.now());
      expect(count).toBeGreaterThan(0);
      const message = await store.messageByRun('erin', old.assistant.runId);
      expect(message).toMatchObject({ status: 'interrupted', errorCode: 'UPSTREAM_UNAVAILABLE' });
    });

    it('resets a conversation’s gateway session: a new key per reset, owner-scoped, messages kept', async () => {
      const start = turn('gina');
      const id = await store.recordTurnStart(start);
      const key = start.conversation.sessionKey;
      expect(await store.resetSession('mallory', id)).toBeUndefined();
      expect((await store.get('gina', id))?.sessionKey).toBe(key);
      expect((await store.resetSession('gina', id))?.sessionKey).toBe(`${key}-r1`);
      expect((await store.resetSession('gina', id))?.sessionKey).toBe(`${key}-r2`);
      expect((await store.get('gina', id))?.sessionKey).toBe(`${key}-r2`);
      expect((await store.list('gina', 10)).items.find((c) => c.id === id)?.sessionKey).toBe(`${key}-r2`);
      expect((await store.messages(id, 10)).items).toHaveLength(2);
    });

    it('keeps generated media as attachments of the answer, read with it and with its run', async () => {
      const start = turn('hana');
      const id = await store.recordTurnStart(start);
      const image = { id: newId('a'), kind: 'image' as const, name: 'cat.png', mimeType: 'image/png', ...png('gen') };
      await store.transaction((tx) =>
        insertAttachments(tx, { owner: 'hana', conversationId: id, messageId: start.assistant.id, now: 1 }, [image]),
      );
      const answer = (await store.messages(id, 10)).items[1]!;
      expect(answer.attachments).toEqual([
        { id: image.id, kind: 'image', name: 'cat.png', mimeType: 'image/png', size: image.bytes.length },
      ]);
      expect((await store.messageByRun('hana', start.assistant.runId))?.attachments).toEqual(answer.attachments);
      expect(await attachments.ownerBytes('hana')).toBe(image.bytes.length);
    });

    it('migrates from an empty database and from the previous version, keeping data', async () => {
      const scratch = await freshDatabase(engine.name);
      try {
        const db = await openDatabase({ url: scratch.url, migrate: false });
        await migrate(db, '0001-conversations');
        const previous = new ConversationStore(db);
        const start = turn('frank');
        const id = await previous.recordTurnStart(start);
        await migrate(db);
        const after = new ConversationStore(db);
        expect((await after.messages(id, 10)).items).toHaveLength(2);
        expect(await new AttachmentStore(db).ownerBytes('frank')).toBe(0);
        // A conversation from before resets existed keeps its session key.
        expect((await after.get('frank', id))?.sessionKey).toBe(start.conversation.sessionKey);
        await migrate(db); // idempotent
        await db.close();
      } finally {
        await scratch.drop();
      }
    });

    it('rebuilds messages without AUTOINCREMENT and back, keeping messages, attachments and their order', async () => {
      const scratch = await freshDatabase(engine.name);
      try {
        const db = await openDatabase({ url: scratch.url, migrate: false });
        await migrate(db, '0002-attachments');
        const before = turn('gina');
        before.user.attachments = [{ id: newId('a'), kind: 'image', name: null, mimeType: 'image/png', ...png('g') }];
        const id = await new ConversationStore(db).recordTurnStart(before);
        const check = async (expected: number) => {
          const s = new ConversationStore(db);
          await s.recordTurnStart(turn('gina', { id, fresh: false }));
          const page = await s.messages(id, 50);
          expect(page.items).toHaveLength(expected);
          const seqs = page.items.map((m) => m.seq);
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
          expect(new Set(seqs).size).toBe(expected);
          expect(page.items[0]!.attachments.map((a) => a.id)).toEqual([before.user.attachments[0]!.id]);
          expect(await s.messageByRun('gina', before.assistant.runId)).toMatchObject({ id: before.assistant.id });
          expect(await new AttachmentStore(db).ownerBytes('gina')).toBe(png('g').bytes.length);
        };
        await migrate(db, '0006-messages-seq');
        if (engine.name === 'sqlite') {
          const { rows } = await sql<{ sql: string }>`select sql from sqlite_master where name = 'messages'`.execute(
            db.db,
          );
          expect(rows[0]!.sql.toLowerCase()).not.toContain('autoincrement');
          const plan = await sql<{
            detail: string;
          }>`explain query plan select id from messages where run_id = ${'r'}`.execute(db.db);
          expect(plan.rows.map((r) => r.detail).join()).toContain('messages_by_run');
        }
        await check(4);
        await migrate(db, '0005-wechat-token'); // down: the previous schema, same data
        await check(6);
        await migrate(db);
        await check(8);
        // Foreign keys hold on the rebuilt table: deleting the conversation takes its messages and attachments.
        expect(await new ConversationStore(db).delete('gina', id)).toBe(true);
        expect(await db.db.selectFrom('messages').select('id').where('conversation_id', '=', id).execute()).toEqual([]);
        expect(await new AttachmentStore(db).ownerBytes('gina')).toBe(0);
        await db.close();
      } finally {
        await scratch.drop();
      }
    });
  });
}
