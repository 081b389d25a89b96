import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { prepare } from './prepared.ts';
import type { ConversationTable } from './schema.ts';

const database = await openDatabase({ url: 'sqlite::memory:' });
const { db } = database;
afterAll(() => database.close());

const insert = prepare<{ id: string; owner: string; now: number }, never>((p) =>
  db.insertInto('conversations').values({
    id: p('id'),
    owner: p('owner'),
    title: 'fixed title',
    session_key: 'k',
    external_key: null,
    created_at: p('now'),
    updated_at: p('now'),
  }),
);
const get = prepare<{ id: string; owner: string }, ConversationTable>((p) =>
  db.selectFrom('conversations').selectAll().where('id', '=', p('id')).where('owner', '=', p('owner')),
);

describe('prepare', () => {
  it('compiles once and runs with each call’s parameters, keeping the constant values', async () => {
    await db.executeQuery(insert({ id: 'c1', owner: 'alice', now: 5 }));
    await db.executeQuery(insert({ id: 'c2', owner: 'bob', now: 7 }));
    expect((await db.executeQuery(get({ id: 'c2', owner: 'bob' }))).rows).toMatchObject([
      { id: 'c2', owner: 'bob', title: 'fixed title', created_at: 7, updated_at: 7, external_key: null },
    ]);
    expect((await db.executeQuery(get({ id: 'c2', owner: 'alice' }))).rows).toEqual([]);
  });

  it('produces the same SQL as the builder, with one placeholder per use of a parameter', () => {
    const query = insert({ id: 'x', owner: 'o', now: 1 });
    const built = db
      .insertInto('conversations')
      .values({
        id: 'x',
        owner: 'o',
        title: 'fixed title',
        session_key: 'k',
        external_key: null,
        created_at: 1,
        updated_at: 1,
      })
      .compile();
    expect(query.sql).toBe(built.sql);
    expect(query.parameters).toEqual(built.parameters);
  });

  it('refuses a parameter that the builder did not turn into a placeholder', () => {
    expect(() =>
      prepare<{ limit: number; unused: string }, ConversationTable>((p) => {
        p('unused');
        return db.selectFrom('conversations').selectAll().limit(p('limit'));
      }),
    ).toThrow(/unused did not become a parameter/);
  });
});
