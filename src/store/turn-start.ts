import type { Executor } from './schema.ts';

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

/**
 * The one write at a run's start, inside `tx`: the conversation (created, upserted on its external key, or touched),
 * the user's turn with its attachments (bytes stored once per sha256), and the running answer. Returns the
 * conversation's id (an existing one for a legacy external key).
 */
export async function writeTurnStart(tx: Executor, turn: TurnStart): Promise<string> {
  const { conversation: c, owner, now } = turn;
  let conversationId = c.id;
  if (c.fresh) {
    const row = {
      id: c.id,
      owner,
      title: c.title,
      session_key: c.sessionKey,
      external_key: c.externalKey ?? null,
      created_at: now,
      updated_at: now,
    };
    await tx
      .insertInto('conversations')
      .values(row)
      .onConflict((oc) => oc.columns(['owner', 'external_key']).doUpdateSet({ updated_at: now }))
      .execute();
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
    await tx
      .updateTable('conversations')
      .set({ updated_at: now })
      .where('id', '=', c.id)
      .where('owner', '=', owner)
      .execute();
  }
  const message = { conversation_id: conversationId, created_at: now, updated_at: now };
  await tx
    .insertInto('messages')
    .values([
      { ...message, id: turn.user.id, role: 'user', content: turn.user.content },
      {
        ...message,
        id: turn.assistant.id,
        role: 'assistant',
        content: '',
        status: 'running',
        run_id: turn.assistant.runId,
        model: turn.assistant.model,
      },
    ])
    .execute();
  for (const [position, a] of turn.user.attachments.entries()) {
    await tx
      .insertInto('blobs')
      .values({ sha256: a.sha256, bytes: a.bytes, size: a.bytes.length, created_at: now })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
    await tx
      .insertInto('attachments')
      .values({
        id: a.id,
        owner,
        conversation_id: conversationId,
        message_id: turn.user.id,
        position,
        sha256: a.sha256,
        kind: a.kind,
        name: a.name,
        mime_type: a.mimeType,
        size: a.bytes.length,
        created_at: now,
      })
      .execute();
  }
  return conversationId;
}
