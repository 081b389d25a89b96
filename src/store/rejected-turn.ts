import type { Executor } from './schema.ts';
import type { TurnStartQueries } from './turn-start.ts';

/** A user turn moderation refused: kept for its author (status `rejected`), with no answer and no attachments. */
export interface RejectedTurn {
  owner: string;
  conversation: { id: string; title: string; sessionKey: string; externalKey?: string; fresh: boolean };
  user: { id: string; content: string };
  now: number;
}

/** Rare, so plain queries; the conversation is created (upserted on its external key) or touched as at a run's start. */
export async function writeRejectedTurn(tx: Executor, queries: TurnStartQueries, turn: RejectedTurn): Promise<void> {
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
    await tx.executeQuery(queries.touchConversation({ id: c.id, owner, now }));
  }
  await tx
    .insertInto('messages')
    .values({
      id: turn.user.id,
      conversation_id: conversationId,
      role: 'user',
      content: turn.user.content,
      status: 'rejected',
      created_at: now,
      updated_at: now,
    })
    .execute();
}
