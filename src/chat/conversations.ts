import type { ChatEvent, OutputAttachment } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import type { AttachmentStore, StoredAttachment } from '../store/attachment-store.ts';
import type { ConversationStore } from '../store/conversation-store.ts';
import { decodeCursor, encodeCursor } from '../store/cursor.ts';
import type { AttachmentRecord, ConversationRecord, MessageRecord } from '../store/records.ts';
import type { AttachmentUrls } from './attachment-urls.ts';
import { notFound } from './conversation-journal.ts';
import { MAX_RENAMED_TITLE_CHARS } from './conversation-title.ts';
import type { Principal } from './principal.ts';
import { replayStoredRun } from './replay.ts';

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** A stored message as clients read it: uploads and produced media in one list, uploads behind fresh signed URLs. */
export type MessageView = MessageRecord & { attachmentList: OutputAttachment[] };

export interface ConversationsOptions {
  store: ConversationStore;
  attachments: AttachmentStore;
  urls: AttachmentUrls;
  /** Waits for the journal's queued writes (group commit), so a read sees the turns that came before it. */
  settled: () => Promise<void>;
}

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;

function pageSize(name: string, value: number | null | undefined): number {
  if (value === null || value === undefined) return DEFAULT_PAGE;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE) {
    throw new AppError('INVALID_INPUT', `${name} must be between 1 and ${MAX_PAGE}.`);
  }
  return value;
}

const conversationCursor = (c: ConversationRecord) => encodeCursor('c', [c.updatedAt, c.id]);
const messageCursor = (m: MessageRecord) => encodeCursor('m', [m.seq]);

function connection<T>(nodes: T[], cursor: (node: T) => string, page: Connection<T>['pageInfo']): Connection<T> {
  const edges = nodes.map((node) => ({ cursor: cursor(node), node }));
  return {
    edges,
    pageInfo: { ...page, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

/** The conversation API behind GraphQL and tRPC. Everything is the caller's: anything else is NOT_FOUND. */
export class Conversations {
  readonly #options: ConversationsOptions;

  constructor(options: ConversationsOptions) {
    this.#options = options;
  }

  /** Newest activity first. */
  async list(
    principal: Principal,
    first?: number | null,
    after?: string | null,
  ): Promise<Connection<ConversationRecord>> {
    const size = pageSize('first', first);
    const key = after ? decodeCursor('c', after, ['number', 'string']) : undefined;
    await this.#options.settled();
    const page = await this.#options.store.list(
      principal.id,
      size,
      key && { updatedAt: key[0] as number, id: key[1] as string },
    );
    const info = { hasNextPage: page.more, hasPreviousPage: Boolean(after), startCursor: null, endCursor: null };
    return connection(page.items, conversationCursor, info);
  }

  async get(principal: Principal, id: string): Promise<ConversationRecord | undefined> {
    await this.#options.settled();
    return this.#options.store.get(principal.id, id);
  }

  /** Pages backwards from the newest; each page is oldest to newest. */
  async messages(
    principal: Principal,
    conversationId: string,
    last?: number | null,
    before?: string | null,
  ): Promise<Connection<MessageView>> {
    const size = pageSize('last', last);
    const key = before ? decodeCursor('m', before, ['number']) : undefined;
    if (!(await this.get(principal, conversationId))) throw notFound();
    const page = await this.#options.store.messages(conversationId, size, key?.[0] as number | undefined);
    const now = Date.now();
    const views = page.items.map((m) => ({
      ...m,
      attachmentList: [...this.signed(m.attachments, now), ...m.outputAttachments],
    }));
    const info = { hasNextPage: Boolean(before), hasPreviousPage: page.more, startCursor: null, endCursor: null };
    return connection(views, messageCursor, info);
  }

  /** Stored attachments (uploads, generated media) as clients get them: behind freshly signed URLs. */
  signed(attachments: readonly AttachmentRecord[], now = Date.now()): OutputAttachment[] {
    return attachments.map((a) => ({
      type: a.kind,
      url: this.#options.urls.mint(a.id, now),
      ...(a.name === null ? {} : { name: a.name }),
      mimeType: a.mimeType,
      size: a.size,
    }));
  }

  /**
   * The conversation's next turn starts a fresh gateway session (a new session key: `sessions.reset` would need
   * the admin scope). The stored messages stay; the agent no longer sees them.
   */
  async reset(principal: Principal, id: string): Promise<ConversationRecord> {
    await this.#options.settled();
    const reset = await this.#options.store.resetSession(principal.id, id);
    if (!reset) throw notFound();
    return reset;
  }

  async rename(principal: Principal, id: string, title: string): Promise<ConversationRecord> {
    // Length first: a megabyte title is refused without being scanned.
    const clean = title.length > 4 * MAX_RENAMED_TITLE_CHARS ? '' : title.replace(/\s+/g, ' ').trim();
    if (clean === '' || Array.from(clean).length > MAX_RENAMED_TITLE_CHARS) {
      throw new AppError('INVALID_INPUT', `title must be 1 to ${MAX_RENAMED_TITLE_CHARS} characters.`);
    }
    await this.#options.settled();
    const renamed = await this.#options.store.rename(principal.id, id, clean, Date.now());
    if (!renamed) throw notFound();
    return renamed;
  }

  /** Removes the conversation with its messages and the attachments only it holds. */
  async delete(principal: Principal, id: string): Promise<boolean> {
    await this.#options.settled();
    if (!(await this.#options.store.delete(principal.id, id))) throw notFound();
    return true;
  }

  /** A stored run of the caller's, replayed; undefined when there is none. */
  async replay(
    principal: Principal,
    runId: string,
    after?: string,
    label: string | null = null,
  ): Promise<AsyncGenerator<ChatEvent> | undefined> {
    await this.#options.settled();
    const message = await this.#options.store.messageByRun(principal.id, runId);
    return message && replayStoredRun(message, after, this.signed(message.attachments), label);
  }

  /** What a signed URL points at, with how long it may be cached; NOT_FOUND for a bad, expired or stale link. */
  async attachment(
    id: string,
    expires: string | undefined,
    sig: string | undefined,
  ): Promise<{ attachment: StoredAttachment; maxAgeSeconds: number }> {
    const left = this.#options.urls.verify(id, expires, sig);
    const attachment = left === undefined ? undefined : await this.#options.attachments.read(id);
    if (left === undefined || !attachment) {
      throw new AppError(
        'NOT_FOUND',
        'This attachment link is invalid or has expired; read the messages again for a fresh one.',
      );
    }
    return { attachment, maxAgeSeconds: left };
  }
}
