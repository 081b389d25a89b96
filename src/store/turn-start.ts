import type { Kysely } from 'kysely';
import { prepare } from './prepared.ts';
import type { ConversationTable, Executor, MessageTable, StoreSchema } from './schema.ts';

export interface NewAttachment {
  id: string;
  kind: 'image' | 'file';
  name: string | null;
  mimeType: string;
  sha256: string;
  bytes: Uint8Array;
}

/** Everything a run's start writes, in one transaction. */
export interface TurnStart {
  owner: string;
  conversation: { id: string; title: string; sessionKey: string; externalKey?: string; fresh: boolean };
  user: { id: string; content: string; attachments: NewAttachment[] };
  assistant: { id: string; runId: string; model: string };
  now: number;
}

type NewConversation = Omit<ConversationTable, 'updated_at' | 'session_generation'>;
type NewMessages = Pick<MessageTable, 'conversation_id' | 'created_at'> & {
  userId: string;
  userContent: string;
  assistantId: string;
  runId: string;
  model: string;
};

/** The start's hot queries, compiled once per database (every turn runs them). */
export function turnStartQueries(db: Kysely<StoreSchema>) {
  return {
    insertConversation: prepare<NewConversation, never>((p) =>
      db
        .insertInto('conversations')
        .values({
          id: p('id'),
          owner: p('owner'),
          title: p('title'),
          session_key: p('session_key'),
          external_key: p('external_key'),
          created_at: p('created_at'),
          updated_at: p('created_at'),
        })
        .onConflict((oc) => oc.columns(['owner', 'external_key']).doUpdateSet({ updated_at: p('created_at') })),
    ),
    touchConversation: prepare<{ id: string; owner: string; now: number }, never>((p) =>
      db
        .updateTable('conversations')
        .set({ updated_at: p('now') })
        .where('id', '=', p('id'))
        .where('owner', '=', p('owner')),
    ),
    insertMessages: prepare<NewMessages, never>((p) => {
      const message = {
        conversation_id: p('conversation_id'),
        created_at: p('created_at'),
        updated_at: p('created_at'),
      };
      return db.insertInto('messages').values([
        { ...message, id: p('userId'), role: 'user', content: p('userContent') },
        {
          ...message,
          id: p('assistantId'),
          role: 'assistant',
          content: '',
          status: 'running',
          run_id: p('runId'),
          model: p('model'),
        },
      ]);
    }),
  };
}

export type TurnStartQueries = ReturnType<typeof turnStartQueries>;

/**
 * The one write at a run's start, inside `tx`: the conversation (created, upserted on its external key, or touched),
 * the user's turn with its attachments (bytes stored once per sha256), and the running answer. Returns the
 * conversation's id (an existing one for a legacy external key).
 */
export async function writeTurnStart(tx: Executor, queries: TurnStartQueries, turn: TurnStart): Promise<string> {
  const conversationId = await writeConversation(tx, queries, turn);
  const { owner, now } = turn;
  await tx.executeQuery(
    queries.insertMessages({
      conversation_id: conversationId,
      created_at: now,
      userId: turn.user.id,
      userContent: turn.user.content,
      assistantId: turn.assistant.id,
      runId: turn.assistant.runId,
      model: turn.assistant.model,
    }),
  );
  if (turn.user.attachments.length > 0) {
    await insertAttachments(tx, { owner, conversationId, messageId: turn.user.id, now }, turn.user.attachments);
  }
  return conversationId;
}

/** A message's attachments, in order: bytes stored once per sha256 whoever sent them, one metadata row each. */
export async function insertAttachments(
  tx: Executor,
  to: { owner: string; conversationId: string; messageId: string; now: number },
  attachments: readonly NewAttachment[],
): Promise<void> {
  for (const [position, a] of attachments.entries()) {
    await tx
      .insertInto('blobs')
      .values({ sha256: a.sha256, bytes: a.bytes, size: a.bytes.length, created_at: to.now })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
    await tx
      .insertInto('attachments')
      .values({
        id: a.id,
        owner: to.owner,
        conversation_id: to.conversationId,
        message_id: to.messageId,
        position,
        sha256: a.sha256,
        kind: a.kind,
        name: a.name,
        mime_type: a.mimeType,
        size: a.bytes.length,
        created_at: to.now,
      })
      .execute();
  }
}

/**
 * A turn's conversation, inside `tx`: created (upserted on a legacy external key, whose existing id is returned) or
 * touched. A continued conversation deleted since the turn was accepted is an error, not a foreign-key failure.
 */
export async function writeConversation(
  tx: Executor,
  queries: TurnStartQueries,
  turn: Pick<TurnStart, 'conversation' | 'owner' | 'now'>,
): Promise<string> {
  const { conversation: c, owner, now } = turn;
  let conversationId = c.id;
  if (c.fresh) {
    await tx.executeQuery(
      queries.insertConversation({
        id: c.id,
        owner,
        title: c.title,
        session_key: c.sessionKey,
        external_key: c.externalKey ?? null,
        created_at: now,
      }),
    );
    if (c.externalKey) {
      const existing = await tx
        .selectFrom('conversations')
        .select('id')
        .where('owner', '=', owner)
        .where('external_key', '=', c.externalKey)
        .executeTakeFirstOrThrow();
      conversationId = existing.id;
    }
  } else {
    const touched = await tx.executeQuery(queries.touchConversation({ id: c.id, owner, now }));
    // Deleted since the turn was accepted (or by another process): say so rather than fail on a foreign key.
    if (touched.numAffectedRows === 0n) throw new Error(`conversation ${c.id} no longer exists`);
  }
  return conversationId;
}
