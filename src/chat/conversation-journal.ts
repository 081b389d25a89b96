import type { FastifyBaseLogger } from 'fastify';
import type { SendChatInput } from '../contract/chat.ts';
import type { AppError } from '../contract/errors.ts';
import type { GeneratedMedia } from '../gateway/events.ts';
import type { GatewayChatRequest } from '../gateway/translate.ts';
import type { AttachmentStore } from '../store/attachment-store.ts';
import type { ConversationStore, RunEnd } from '../store/conversation-store.ts';
import { newId } from '../store/ids.ts';
import type { AttachmentRecord } from '../store/records.ts';
import { WriteBatcher } from '../store/write-batcher.ts';
import { uploadedRow } from './attachment-rows.ts';
import {
  type ConversationOpeningOptions,
  checkQuota,
  type OpenConversation,
  openConversation,
  recordedConversation,
} from './conversation-opening.ts';
import { userTurnText } from './conversation-title.ts';
import { keepGeneratedMedia } from './generated-media.ts';
import { hideAnswer, recordRejectedTurn } from './moderated-writes.ts';
import { PartialSaves } from './partial-saves.ts';
import type { Principal } from './principal.ts';
import type { Run } from './run.ts';

export { notFound, type OpenConversation } from './conversation-opening.ts';

export interface ConversationJournalOptions {
  store: ConversationStore;
  attachments: AttachmentStore;
  /** How often a running answer's partial text is saved. */
  partialSaveMs: number;
  /** Writes queued within this long of each other share one commit (WriteBatcher); 0: one event-loop turn. */
  commitWindowMs?: number;
  maxBytesPerOwner: number;
  /** Other instances read the same database (PostgreSQL); a SQLite file has one server. */
  sharedDatabase?: boolean;
  log: FastifyBaseLogger;
}

/** Where a tracked run's answer is stored (the conversation id is settled once the start write committed). */
interface TrackedRun {
  owner: string;
  conversationId: string;
  assistantId: string;
  /** How many of the result's attachments are generated media kept as attachment rows (listed first). */
  generated: number;
}

/**
 * Records runs in the store off the hot path: one write when a run starts, one when it ends, and the partial
 * text every `partialSaveMs` in between (never per delta). A crash leaves the last saved text behind.
 */
export class ConversationJournal {
  readonly #options: ConversationJournalOptions;
  readonly #writes: WriteBatcher;
  readonly #opening: ConversationOpeningOptions;
  /**
   * The final write of each run still ending, which a later hide must follow (recorded() waits on it too). Dropped
   * once committed: a WeakMap keyed by the runs the registry retains for minutes kept thousands of entries
   * for the garbage collector to trace.
   */
  readonly #ending = new Map<Run, Promise<void>>();
  readonly #tracked = new WeakMap<Run, TrackedRun>();
  readonly #partialSaves: PartialSaves;
  #closing = false;

  constructor(options: ConversationJournalOptions) {
    this.#options = options;
    this.#writes = new WriteBatcher({
      transaction: (work) => options.store.transaction(work),
      onError: (what, err) => options.log.error({ err }, `store: ${what} failed`),
      windowMs: options.commitWindowMs,
    });
    this.#opening = { ...options, writes: this.#writes };
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
  open(principal: Principal, input: SendChatInput): Promise<OpenConversation> {
    return openConversation(this.#opening, principal, input);
  }

  /**
   * REST: a turn recorded under a legacy `user` is held to the owner's attachment cap before it runs, as GraphQL's
   * are in open(). Stateless calls (no `user`) store nothing and are not checked.
   */
  async admitLegacy(principal: Principal, input: SendChatInput): Promise<void> {
    if (input.user !== undefined) await checkQuota(this.#opening, principal, input);
  }

  /** Right after a run started. Runs outside any conversation (stateless REST) are not recorded. */
  track(
    principal: Principal,
    input: SendChatInput,
    request: GatewayChatRequest,
    run: Run,
    opened: OpenConversation | undefined,
  ): void {
    const conversation = recordedConversation(principal, input, opened);
    if (!conversation) return;
    const assistantId = newId('m');
    const { store } = this.#options;
    const tracked: TrackedRun = { owner: principal.id, conversationId: conversation.id, assistantId, generated: 0 };
    this.#tracked.set(run, tracked);
    // Writes are committed in the order they are queued: a run's start always lands before its saves and end.
    const now = Date.now();
    this.#writes.write('turn start', async (tx) => {
      let attachments = request.attachments.map(uploadedRow);
      if (!opened && attachments.length > 0) {
        const size = attachments.reduce((n, a) => n + a.bytes.length, 0);
        const stored = await this.#options.attachments.ownerBytes(principal.id, tx);
        if (stored + size > this.#options.maxBytesPerOwner) {
          // admitLegacy() let it in, but concurrent turns filled the cap since: the turn is kept, its files not.
          this.#options.log.warn({ owner: principal.id }, 'store: attachments over the owner cap were not stored');
          attachments = [];
        }
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
    const ending = run.result.then(
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
    this.#ending.set(
      run,
      ending.then(() => {
        this.#ending.delete(run);
      }),
    );
  }

  /**
   * The agent's generated media, stored as attachments of the run's answer, owned by the conversation's owner
   * (within their byte quota: what does not fit is dropped and logged). Resolves with what was stored, in order;
   * nothing for a run that is not recorded. Call before the run completes, once.
   */
  async keepGenerated(run: Run, media: readonly GeneratedMedia[]): Promise<AttachmentRecord[]> {
    const tracked = this.#tracked.get(run);
    if (!tracked || media.length === 0) return [];
    const to = () => ({ owner: tracked.owner, conversationId: tracked.conversationId, messageId: tracked.assistantId });
    const kept = await keepGeneratedMedia({ ...this.#options, writes: this.#writes }, run.id, to, media);
    tracked.generated = kept.length;
    return kept;
  }

  /**
   * A user turn moderation refused: stored as `rejected` (its author sees it; no answer, attachments not kept),
   * committed before the refusal is answered. A conversation it creates gets a neutral title.
   */
  async reject(principal: Principal, input: SendChatInput, opened: OpenConversation | undefined): Promise<void> {
    const conversation = recordedConversation(principal, input, opened);
    if (!conversation) return;
    await recordRejectedTurn(this.#writes, this.#options.store, principal, input, conversation);
  }

  /** An ended answer moderation refused afterwards: stored as `hidden`, without its text (after its end write). */
  async hide(run: Run): Promise<void> {
    if (!this.#tracked.has(run)) return;
    await hideAnswer(this.#writes, this.#options.store, run.id, this.#ending.get(run) ?? Promise.resolve());
  }

  /** Resolves once every write queued so far is in the store: what a read must see (read your own writes). */
  settled(): Promise<void> {
    return this.#writes.settled();
  }

  /**
   * Before a non-streaming answer: where other instances read the same database, resolves once every queued write
   * is committed (the window ended early), so the client may read the turn through any of them. A SQLite file has
   * one server, whose own reads settle first: its answers do not end the window, so busy turns share commits.
   */
  async answerable(): Promise<void> {
    if (this.#options.sharedDatabase) await this.#writes.settled();
  }

  /** Resolves once the run's end is in the store (at once for runs that are not recorded). */
  async recorded(run: Run): Promise<void> {
    await this.#ending.get(run);
  }

  /** Boot: answers a previous process left running become `interrupted` (retryable). */
  async recover(): Promise<number> {
    return this.#options.store.interruptRunning(
      'UPSTREAM_UNAVAILABLE',
      'The server restarted while this answer was being written; send the message again.',
      Date.now(),
    );
  }

  /** Another instance died holding this run (its lease expired): its answer stays as last saved, interrupted. */
  async interrupt(runId: string): Promise<void> {
    await this.#writes.write('interrupt', (tx) =>
      this.#options.store.interruptRun(
        runId,
        'UPSTREAM_UNAVAILABLE',
        'The server writing this answer stopped before it finished; send the message again.',
        Date.now(),
        tx,
      ),
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
