import type { Executor } from './schema.ts';
import { type TurnStartQueries, writeConversation } from './turn-start.ts';

/** A user turn moderation refused: kept for its author (status `rejected`), with no answer and no attachments. */
export interface RejectedTurn {
  owner: string;
  conversation: { id: string; title: string; sessionKey: string; externalKey?: string; fresh: boolean };
  user: { id: string; content: string };
  now: number;
}

/** Rare, so a plain insert; the conversation is written as at a run's start. */
export async function writeRejectedTurn(tx: Executor, queries: TurnStartQueries, turn: RejectedTurn): Promise<void> {
  const conversationId = await writeConversation(tx, queries, turn);
  const { now } = turn;
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
