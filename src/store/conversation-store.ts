import type { Kysely, Selectable } from 'kysely';
import type { OutputAttachment, Usage } from '../contract/chat.ts';
import { deleteOrphanBlobs } from './blobs.ts';
import type { Database } from './database.ts';
import { type KnownConversation, KnownConversations } from './known-conversations.ts';
import { prepare } from './prepared.ts';
import {
  type AttachmentRecord,
  type ConversationRecord,
  type MessageRecord,
  type Page,
  toConversation,
  toMessage,
} from './records.ts';
import type { ConversationTable, Executor, MessageStatus, MessageTable, StoreSchema } from './schema.ts';

export type { Executor } from './schema.ts';

import { type RejectedTurn, writeRejectedTurn } from './rejected-turn.ts';
import { type TurnStart, turnStartQueries, writeTurnStart } from './turn-start.ts';

export type { NewAttachment, TurnStart } from './turn-start.ts';
export { insertAttachments } from './turn-start.ts';

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

type RunEndRow = Pick<
  MessageTable,
  | 'id'
  | 'content'
  | 'usage'
  | 'finish_reason'
  | 'error_code'
  | 'error_message'
  | 'output_attachments'
  | 'event_count'
  | 'updated_at'
> & { status: RunEnd['status'] };

/** Conversations whose owner and session key stay cached (~150 bytes each). */
const KNOWN_CONVERSATIONS = 10_000;

/** Conversations and messages, always scoped by owner: another owner's rows read as missing. */
export class ConversationStore {
  readonly #db: Kysely<StoreSchema>;
  readonly #queries;
  readonly #known: KnownConversations | undefined;

  constructor(database: Database) {
    const db = database.db;
    this.#db = db;
    this.#known = database.dialect === 'sqlite' ? new KnownConversations(KNOWN_CONVERSATIONS) : undefined;
    // Every turn runs these: compiled once (see prepare()).
    this.#queries = {
      ...turnStartQueries(db),
      get: prepare<{ owner: string; id: string }, Selectable<ConversationTable>>((p) =>
        db.selectFrom('conversations').selectAll().where('id', '=', p('id')).where('owner', '=', p('owner')),
      ),
      savePartial: prepare<{ id: string; content: string; now: number }, never>((p) =>
        db
          .updateTable('messages')
          .set({ content: p('content'), updated_at: p('now') })
          .where('id', '=', p('id'))
          .where('status', '=', 'running'),
      ),
      runEnd: prepare<RunEndRow, never>((p) =>
        db
          .updateTable('messages')
          .set({
            status: p('status'),
            content: p('content'),
            usage: p('usage'),
            finish_reason: p('finish_reason'),
            error_code: p('error_code'),
            error_message: p('error_message'),
            output_attachments: p('output_attachments'),
            event_count: p('event_count'),
            updated_at: p('updated_at'),
          })
          .where('id', '=', p('id'))
          .where('status', '=', 'running'),
      ),
    };
  }

  async get(owner: string, id: string): Promise<ConversationRecord | undefined> {
    const { rows } = await this.#db.executeQuery(this.#queries.get({ owner, id }));
    const row = rows[0];
    return row && toConversation(row);
  }

  /** What a turn needs to continue the owner's conversation; cached on SQLite (see KnownConversations). */
  async session(owner: string, id: string): Promise<KnownConversation | undefined> {
    const known = this.#known?.get(id);
    if (known) return known.owner === owner ? known : undefined;
    const readAt = this.#known?.generation ?? 0;
    const found = await this.get(owner, id);
    if (!found) return undefined;
    const session = { owner, sessionKey: found.sessionKey };
    this.#known?.remember(id, session, readAt);
    return session;
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

  /** resetConversation: the turns after it run in a fresh gateway session; the stored messages stay. */
  async resetSession(owner: string, id: string): Promise<ConversationRecord | undefined> {
    // The cached session key is stale from here on; forgotten again once committed, as delete() does.
    this.#known?.forget(id);
    const result = await this.#db
      .updateTable('conversations')
      .set((eb) => ({ session_generation: eb('session_generation', '+', 1) }))
      .where('id', '=', id)
      .where('owner', '=', owner)
      .executeTakeFirst();
    this.#known?.forget(id);
    return result.numUpdatedRows > 0n ? this.get(owner, id) : undefined;
  }

  /** Removes the conversation, its messages and attachments, and the bytes no other attachment uses. */
  async delete(owner: string, id: string): Promise<boolean> {
    this.#known?.forget(id);
    const deleted = await this.#db.transaction().execute(async (tx) => {
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
    // Again once committed: a read that began before the deletion must not be remembered.
    this.#known?.forget(id);
    return deleted;
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
    try {
      return await writeTurnStart(tx, this.#queries, turn);
    } catch (error) {
      this.#known?.forget(turn.conversation.id);
      throw error;
    }
  }

  /** A user turn moderation refused, inside `tx`: no run, nothing forwarded. */
  async recordRejectedTurn(turn: RejectedTurn, tx: Executor): Promise<void> {
    await writeRejectedTurn(tx, this.#queries, turn);
  }

  /** An answer moderation withdrew after it ended: its text goes, its status becomes `hidden`. */
  async hideAnswer(runId: string, now: number, on: Executor = this.#db): Promise<void> {
    await on
      .updateTable('messages')
      .set({ status: 'hidden', content: '', updated_at: now })
      .where('run_id', '=', runId)
      .where('role', '=', 'assistant')
      .execute();
  }

  /** A running answer's text so far (periodic, never per delta). */
  savePartial(messageId: string, content: string, now: number, on: Executor = this.#db): Promise<unknown> {
    return on.executeQuery(this.#queries.savePartial({ id: messageId, content, now }));
  }

  /** The one write at a run's end. */
  recordRunEnd(messageId: string, end: RunEnd, on: Executor = this.#db): Promise<unknown> {
    return on.executeQuery(
      this.#queries.runEnd({
        id: messageId,
        status: end.status,
        content: end.content,
        usage: end.usage ? JSON.stringify(end.usage) : null,
        finish_reason: end.finishReason,
        error_code: end.errorCode,
        error_message: end.errorMessage,
        output_attachments: end.outputAttachments.length > 0 ? JSON.stringify(end.outputAttachments) : null,
        event_count: end.eventCount,
        updated_at: end.now,
      }),
    );
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

  /** One run's answer, if still running (its holder died): by run_id, which is indexed. */
  async interruptRun(runId: string, code: string, message: string, now: number, on = this.#db): Promise<number> {
    const result = await on
      .updateTable('messages')
      .set({ status: 'interrupted', error_code: code, error_message: message, updated_at: now })
      .where('run_id', '=', runId)
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
    return row && toMessage(row, (await this.#attachmentsOf([row.id])).get(row.id));
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
