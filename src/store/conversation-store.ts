import type { Kysely, Transaction } from 'kysely';
import type { OutputAttachment, Usage } from '../contract/chat.ts';
import type { Database } from './database.ts';
import {
  type AttachmentRecord,
  type ConversationRecord,
  type MessageRecord,
  type Page,
  toConversation,
  toMessage,
} from './records.ts';
import type { MessageStatus, StoreSchema } from './schema.ts';

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

export interface RunEnd {
  status: Exclude<MessageStatus, 'running'>;
  content: string;
  usage: Usage | null;
  finishReason: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  outputAttachments: OutputAttachment[];
  eventCount: number | null;
  now: number;
}

/** The database or a transaction on it. */
export type Executor = Kysely<StoreSchema>;

/** Conversations and messages, always scoped by owner: another owner's rows read as missing. */
export class ConversationStore {
  readonly #db: Kysely<StoreSchema>;

  constructor(database: Database) {
    this.#db = database.db;
  }

  async get(owner: string, id: string): Promise<ConversationRecord | undefined> {
    const row = await this.#db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', id)
      .where('owner', '=', owner)
      .executeTakeFirst();
    return row && toConversation(row);
  }

  async findByExternalKey(owner: string, externalKey: string): Promise<ConversationRecord | undefined> {
    const row = await this.#db
      .selectFrom('conversations')
      .selectAll()
      .where('owner', '=', owner)
      .where('external_key', '=', externalKey)
      .executeTakeFirst();
    return row && toConversation(row);
  }

  /** Newest activity first; `after` is the last row of the previous page. */
  async list(
    owner: string,
    first: number,
    after?: { updatedAt: number; id: string },
  ): Promise<Page<ConversationRecord>> {
    let query = this.#db.selectFrom('conversations').selectAll().where('owner', '=', owner);
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('updated_at', '<', after.updatedAt),
          eb.and([eb('updated_at', '=', after.updatedAt), eb('id', '<', after.id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(first + 1)
      .execute();
    return { items: rows.slice(0, first).map(toConversation), more: rows.length > first };
  }

  async rename(owner: string, id: string, title: string, now: number): Promise<ConversationRecord | undefined> {
    const result = await this.#db
      .updateTable('conversations')
      .set({ title, updated_at: now })
      .where('id', '=', id)
      .where('owner', '=', owner)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n ? this.get(owner, id) : undefined;
  }

  /** Removes the conversation, its messages and attachments, and the bytes no other attachment uses. */
  async delete(owner: string, id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const hashes = await tx
        .selectFrom('attachments')
        .select('sha256')
        .distinct()
        .where('conversation_id', '=', id)
        .where('owner', '=', owner)
        .execute();
      const result = await tx
        .deleteFrom('conversations')
        .where('id', '=', id)
        .where('owner', '=', owner)
        .executeTakeFirst();
      if (result.numDeletedRows === 0n) return false;
      await deleteOrphanBlobs(
        tx,
        hashes.map((h) => h.sha256),
      );
      return true;
    });
  }

  /** Runs `work` in one transaction (the journal batches several runs' writes into one commit). */
  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute(work);
  }

  /**
   * The one write at a run's start: the conversation (created or touched), the user's turn, the running answer.
   * Inside `tx` when given, else in a transaction of its own.
   */
  async recordTurnStart(turn: TurnStart, tx?: Executor): Promise<string> {
    if (!tx) return this.transaction((inner) => this.recordTurnStart(turn, inner));
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

  /** A running answer's text so far (periodic, never per delta). */
  async savePartial(messageId: string, content: string, now: number, on: Executor = this.#db): Promise<void> {
    await on
      .updateTable('messages')
      .set({ content, updated_at: now })
      .where('id', '=', messageId)
      .where('status', '=', 'running')
      .execute();
  }

  /** The one write at a run's end. */
  async recordRunEnd(messageId: string, end: RunEnd, on: Executor = this.#db): Promise<void> {
    await on
      .updateTable('messages')
      .set({
        status: end.status,
        content: end.content,
        usage: end.usage ? JSON.stringify(end.usage) : null,
        finish_reason: end.finishReason,
        error_code: end.errorCode,
        error_message: end.errorMessage,
        output_attachments: end.outputAttachments.length > 0 ? JSON.stringify(end.outputAttachments) : null,
        event_count: end.eventCount,
        updated_at: end.now,
      })
      .where('id', '=', messageId)
      .where('status', '=', 'running')
      .execute();
  }

  /** Boot: answers a previous process left running can no longer finish. Returns how many. */
  async interruptRunning(code: string, message: string, now: number): Promise<number> {
    const result = await this.#db
      .updateTable('messages')
      .set({ status: 'interrupted', error_code: code, error_message: message, updated_at: now })
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** The newest `last` messages before `before` (a seq), returned oldest first. */
  async messages(conversationId: string, last: number, before?: number): Promise<Page<MessageRecord>> {
    let query = this.#db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId);
    if (before !== undefined) query = query.where('seq', '<', before);
    const rows = await query
      .orderBy('seq', 'desc')
      .limit(last + 1)
      .execute();
    const page = rows.slice(0, last).reverse();
    const attachments = await this.#attachmentsOf(page.map((m) => m.id));
    return { items: page.map((row) => toMessage(row, attachments.get(row.id))), more: rows.length > last };
  }

  /** The stored answer of one of the owner's runs. */
  async messageByRun(owner: string, runId: string): Promise<(MessageRecord & { conversationId: string }) | undefined> {
    const row = await this.#db
      .selectFrom('messages')
      .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
      .selectAll('messages')
      .where('messages.run_id', '=', runId)
      .where('conversations.owner', '=', owner)
      .executeTakeFirst();
    return row && toMessage(row);
  }

  async #attachmentsOf(messageIds: string[]): Promise<Map<string, AttachmentRecord[]>> {
    const byMessage = new Map<string, AttachmentRecord[]>();
    if (messageIds.length === 0) return byMessage;
    const rows = await this.#db
      .selectFrom('attachments')
      .select(['id', 'message_id', 'kind', 'name', 'mime_type', 'size'])
      .where('message_id', 'in', messageIds)
      .orderBy('position')
      .execute();
    for (const row of rows) {
      const list = byMessage.get(row.message_id) ?? [];
      list.push({ id: row.id, kind: row.kind, name: row.name, mimeType: row.mime_type, size: row.size });
      byMessage.set(row.message_id, list);
    }
    return byMessage;
  }
}

/** Deletes the blobs among `hashes` that no attachment references any more. */
export async function deleteOrphanBlobs(tx: Transaction<StoreSchema> | Kysely<StoreSchema>, hashes?: string[]) {
  if (hashes?.length === 0) return;
  let query = tx
    .deleteFrom('blobs')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(selectFrom('attachments').select('attachments.id').whereRef('attachments.sha256', '=', 'blobs.sha256')),
      ),
    );
  if (hashes) query = query.where('sha256', 'in', hashes);
  await query.execute();
}
