import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { SendChatInput } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import type { ValidatedAttachment } from '../gateway/attachments.ts';
import type { GeneratedMedia } from '../gateway/events.ts';
import type { GatewayChatRequest } from '../gateway/translate.ts';
import type { AttachmentStore } from '../store/attachment-store.ts';
import {
  type ConversationStore,
  insertAttachments,
  type NewAttachment,
  type RunEnd,
} from '../store/conversation-store.ts';
import { newId } from '../store/ids.ts';
import type { AttachmentRecord } from '../store/records.ts';
import { WriteBatcher } from '../store/write-batcher.ts';
import { titleFrom, userTurnText } from './conversation-title.ts';
import { PartialSaves } from './partial-saves.ts';
import type { Principal } from './principal.ts';
import type { Run } from './run.ts';
import { sessionKeyFor } from './session.ts';

/** Where a run's turn goes: an existing conversation, or one its start will create. */
export interface OpenConversation {
  id: string;
  sessionKey: string;
  /** A gateway session nobody has used: the client's messages go as given, not just the new turn. */
  newSession: boolean;
  /** The start write inserts the conversation (upserting on externalKey). */
  create: boolean;
  title: string;
  /** The hashed `user` of legacy clients, which keys their one conversation. */
  externalKey?: string;
}

export interface ConversationJournalOptions {
  store: ConversationStore;
  attachments: AttachmentStore;
  /** How often a running answer's partial text is saved. */
  partialSaveMs: number;
  maxBytesPerOwner: number;
  log: FastifyBaseLogger;
}

const REJECTED_TITLE = 'New conversation';

export const notFound = () =>
  new AppError('NOT_FOUND', 'No such conversation: it never existed, was deleted, or belongs to another user.');

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

function generated(media: GeneratedMedia): NewAttachment {
  return {
    id: newId('a'),
    kind: media.kind,
    name: media.name,
    mimeType: media.mimeType,
    sha256: createHash('sha256').update(media.bytes).digest('hex'),
    bytes: media.bytes,
  };
}

/** Where a tracked run's answer is stored (the conversation id is settled once the start write committed). */
interface TrackedRun {
  owner: string;
  conversationId: string;
  assistantId: string;
  /** How many of the result's attachments are generated media kept as attachment rows (listed first). */
  generated: number;
}

function decode(attachment: ValidatedAttachment): NewAttachment {
  const base64 = typeof attachment.data === 'string' ? attachment.data : attachment.data.toString();
  const bytes = Buffer.from(base64, 'base64');
  return {
    id: newId('a'),
    kind: attachment.kind,
    name: attachment.kind === 'file' ? attachment.filename : null,
    mimeType: attachment.mimeType,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes,
  };
}

/**
 * Records runs in the store off the hot path: one write when a run starts, one when it ends, and the partial
 * text every `partialSaveMs` in between (never per delta). A crash leaves the last saved text behind.
 */
export class ConversationJournal {
  readonly #options: ConversationJournalOptions;
  readonly #writes: WriteBatcher;
  /** Each tracked run's final write, so a non-streaming answer can be read back as soon as it is returned. */
  readonly #recorded = new WeakMap<Run, Promise<void>>();
  readonly #tracked = new WeakMap<Run, TrackedRun>();
  readonly #partialSaves: PartialSaves;
  #closing = false;

  constructor(options: ConversationJournalOptions) {
    this.#options = options;
    this.#writes = new WriteBatcher({
      transaction: (work) => options.store.transaction(work),
      onError: (what, err) => options.log.error({ err }, `store: ${what} failed`),
    });
    const { store } = options;
    this.#partialSaves = new PartialSaves({
      intervalMs: options.partialSaveMs,
      save: (changed) =>
        this.#writes.write('partial save', async (tx) => {
          const now = Date.now();
          for (const { messageId, text } of changed) await store.savePartial(messageId, text, now, tx);
        }),
    });
  }

  /** Before a run: the conversation it continues (NOT_FOUND when not the caller's), or the one it starts. */
  async open(principal: Principal, input: SendChatInput): Promise<OpenConversation> {
    await this.#checkQuota(principal, input);
    if (input.conversationId !== undefined) {
      const found = await this.#options.store.get(principal.id, input.conversationId);
      if (!found) throw notFound();
      return { id: found.id, sessionKey: found.sessionKey, newSession: false, create: false, title: found.title };
    }
    if (input.user !== undefined) {
      const planned = this.#legacy(principal, input, input.user);
      const found = await this.#options.store.findByExternalKey(principal.id, planned.externalKey ?? '');
      return found ? { ...planned, id: found.id, sessionKey: found.sessionKey, create: false } : planned;
    }
    const id = newId('c');
    const sessionKey = sessionKeyFor(principal, `conversation:${id}`);
    return { id, sessionKey, newSession: true, create: true, title: titleFrom(input) };
  }

  /** Legacy `user` clients keep their session key; their turns land in one conversation keyed by the hashed user. */
  #legacy(principal: Principal, input: SendChatInput, user: string): OpenConversation {
    return {
      id: newId('c'),
      sessionKey: sessionKeyFor(principal, user),
      newSession: false,
      create: true,
      title: titleFrom(input),
      externalKey: digest(`${principal.id}\0${user}`),
    };
  }

  async #checkQuota(principal: Principal, input: SendChatInput): Promise<void> {
    const incoming = (input.attachments ?? []).reduce((sum, a) => sum + Math.floor(((a.data?.length ?? 0) * 3) / 4), 0);
    if (incoming === 0) return;
    const stored = await this.#options.attachments.ownerBytes(principal.id);
    if (stored + incoming > this.#options.maxBytesPerOwner) {
      throw new AppError(
        'PAYLOAD_TOO_LARGE',
        'Your stored attachments have reached their size limit: delete old conversations to send new files.',
      );
    }
  }

  /** Right after a run started. Runs outside any conversation (stateless REST) are not recorded. */
  track(
    principal: Principal,
    input: SendChatInput,
    request: GatewayChatRequest,
    run: Run,
    opened: OpenConversation | undefined,
  ): void {
    const conversation = opened ?? (input.user === undefined ? undefined : this.#legacy(principal, input, input.user));
    if (!conversation) return;
    const assistantId = newId('m');
    const { store } = this.#options;
    const tracked: TrackedRun = { owner: principal.id, conversationId: conversation.id, assistantId, generated: 0 };
    this.#tracked.set(run, tracked);
    // Writes are committed in the order they are queued: a run's start always lands before its saves and end.
    const now = Date.now();
    this.#writes.write('turn start', async (tx) => {
      let attachments = request.attachments.map(decode);
      if (!opened && attachments.length > 0) {
        const size = attachments.reduce((n, a) => n + a.bytes.length, 0);
        const stored = await this.#options.attachments.ownerBytes(principal.id, tx);
        if (stored + size > this.#options.maxBytesPerOwner) attachments = [];
      }
      tracked.conversationId = await store.recordTurnStart(
        {
          owner: principal.id,
          conversation: { ...conversation, fresh: conversation.create },
          user: { id: newId('m'), content: userTurnText(input), attachments },
          assistant: { id: assistantId, runId: run.id, model: run.model },
          now,
        },
        tx,
      );
    });
    const saving = { messageId: assistantId, text: () => run.partialText };
    this.#partialSaves.add(saving);
    const finish = (fields: Omit<RunEnd, 'now' | 'eventCount'>) => {
      this.#partialSaves.delete(saving);
      const eventCount = Number(run.lastEventId);
      const record = { ...fields, eventCount, now: Date.now() };
      return this.#writes.write('run end', (tx) => store.recordRunEnd(assistantId, record, tx));
    };
    const recorded = run.result.then(
      (result) =>
        finish({
          status: 'completed',
          content: result.message.content,
          usage: result.usage,
          finishReason: result.finishReason,
          errorCode: null,
          errorMessage: null,
          // Generated media live in the attachment rows (fresh signed URLs on every read): not stored twice.
          outputAttachments: result.attachments.slice(tracked.generated),
        }),
      (error: AppError) =>
        finish({
          status: run.retracted
            ? 'hidden'
            : error.code === 'CANCELLED'
              ? 'cancelled'
              : this.#closing && error.code === 'UPSTREAM_UNAVAILABLE'
                ? 'interrupted'
                : 'failed',
          content: run.partialText,
          usage: null,
          finishReason: null,
          errorCode: error.code,
          errorMessage: error.message,
          outputAttachments: [],
        }),
    );
    this.#recorded.set(run, recorded);
  }

  /**
   * The agent's generated media, stored as attachments of the run's answer, owned by the conversation's owner
   * (within their byte quota: what does not fit is dropped and logged). Resolves with what was stored, in order;
   * nothing for a run that is not recorded. Call before the run completes, once.
   */
  async keepGenerated(run: Run, media: readonly GeneratedMedia[]): Promise<AttachmentRecord[]> {
    const tracked = this.#tracked.get(run);
    if (!tracked || media.length === 0) return [];
    const rows = media.map(generated);
    let kept: NewAttachment[] = [];
    await this.#writes.write('generated media', async (tx) => {
      // Set only once inserted: a batch that fails is retried alone, and one that fails again keeps nothing.
      kept = [];
      let room = this.#options.maxBytesPerOwner - (await this.#options.attachments.ownerBytes(tracked.owner, tx));
      const fitting = rows.filter((row) => {
        if (row.bytes.length > room) return false;
        room -= row.bytes.length;
        return true;
      });
      const to = { owner: tracked.owner, conversationId: tracked.conversationId, messageId: tracked.assistantId };
      await insertAttachments(tx, { ...to, now: Date.now() }, fitting);
      kept = fitting;
    });
    if (kept.length < rows.length) {
      this.#options.log.warn(
        { runId: run.id, dropped: rows.length - kept.length },
        'generated media not stored: over the owner’s attachment quota, or the store failed',
      );
    }
    tracked.generated = kept.length;
    return kept.map((a) => ({ id: a.id, kind: a.kind, name: a.name, mimeType: a.mimeType, size: a.bytes.length }));
  }

  /**
   * A user turn moderation refused: stored as `rejected` (its author sees it; no answer, attachments not kept),
   * committed before the refusal is answered. A conversation it creates gets a neutral title.
   */
  async reject(principal: Principal, input: SendChatInput, opened: OpenConversation | undefined): Promise<void> {
    const conversation = opened ?? (input.user === undefined ? undefined : this.#legacy(principal, input, input.user));
    if (!conversation) return;
    const now = Date.now();
    await this.#writes.write('rejected turn', (tx) =>
      this.#options.store.recordRejectedTurn(
        {
          owner: principal.id,
          conversation: { ...conversation, title: REJECTED_TITLE, fresh: conversation.create },
          user: { id: newId('m'), content: userTurnText(input) },
          now,
        },
        tx,
      ),
    );
  }

  /** An ended answer moderation refused afterwards: stored as `hidden`, without its text (after its end write). */
  async hide(run: Run): Promise<void> {
    const recorded = this.#recorded.get(run);
    if (!recorded) return;
    await recorded;
    await this.#writes.write('hidden answer', (tx) => this.#options.store.hideAnswer(run.id, Date.now(), tx));
  }

  /** Resolves once the run's end is in the store (at once for runs that are not recorded). */
  async recorded(run: Run): Promise<void> {
    await this.#recorded.get(run);
  }

  /** Boot: answers a previous process left running become `interrupted` (retryable). */
  async recover(): Promise<number> {
    return this.#options.store.interruptRunning(
      'UPSTREAM_UNAVAILABLE',
      'The server restarted while this answer was being written; send the message again.',
      Date.now(),
    );
  }

  /** Shutdown: runs failing from now on were cut by the restart. */
  closing(): void {
    this.#closing = true;
  }

  /** Waits for every write in flight (before the database closes). */
  async flush(): Promise<void> {
    await this.#writes.idle();
  }
}
