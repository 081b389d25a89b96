import { createHash } from 'node:crypto';
import type { SendChatInput } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import type { AttachmentStore } from '../store/attachment-store.ts';
import type { ConversationStore } from '../store/conversation-store.ts';
import { newId } from '../store/ids.ts';
import type { WriteBatcher } from '../store/write-batcher.ts';
import { titleFrom } from './conversation-title.ts';
import type { Principal } from './principal.ts';
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

export interface ConversationOpeningOptions {
  store: ConversationStore;
  attachments: AttachmentStore;
  maxBytesPerOwner: number;
  /** The journal's queued writes (group commit): a conversation started here may not be committed yet. */
  writes?: Pick<WriteBatcher, 'pending' | 'settled'>;
}

export const notFound = () =>
  new AppError('NOT_FOUND', 'No such conversation: it never existed, was deleted, or belongs to another user.');

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** Before a run: the conversation it continues (NOT_FOUND when not the caller's), or the one it starts. */
export async function openConversation(
  options: ConversationOpeningOptions,
  principal: Principal,
  input: SendChatInput,
): Promise<OpenConversation> {
  if (input.attachments?.length) await checkQuota(options, principal, input);
  if (input.conversationId !== undefined) {
    const found = await findSession(options, principal.id, input.conversationId);
    if (!found) throw notFound();
    // The title is only written when a conversation is created.
    return { id: input.conversationId, sessionKey: found.sessionKey, newSession: false, create: false, title: '' };
  }
  if (input.user !== undefined) {
    const planned = legacyConversation(principal, input, input.user);
    const found = await options.store.findByExternalKey(principal.id, planned.externalKey ?? '');
    return found ? { ...planned, id: found.id, sessionKey: found.sessionKey, create: false } : planned;
  }
  const id = newId('c');
  const sessionKey = sessionKeyFor(principal, `conversation:${id}`);
  return { id, sessionKey, newSession: true, create: true, title: titleFrom(input) };
}

/** A conversation's session; a miss looks again once the queued writes are in (its creation may be among them). */
async function findSession(options: ConversationOpeningOptions, owner: string, id: string) {
  const found = await options.store.session(owner, id);
  if (found || !options.writes?.pending) return found;
  await options.writes.settled();
  return options.store.session(owner, id);
}

/** Legacy `user` clients keep their session key; their turns land in one conversation keyed by the hashed user. */
export function legacyConversation(principal: Principal, input: SendChatInput, user: string): OpenConversation {
  return {
    id: newId('c'),
    sessionKey: sessionKeyFor(principal, user),
    newSession: false,
    create: true,
    title: titleFrom(input),
    externalKey: digest(`${principal.id}\0${user}`),
  };
}

/** The conversation a turn is recorded in: the opened one, else a legacy client's (none for stateless REST). */
export function recordedConversation(
  principal: Principal,
  input: SendChatInput,
  opened: OpenConversation | undefined,
): OpenConversation | undefined {
  return opened ?? (input.user === undefined ? undefined : legacyConversation(principal, input, input.user));
}

/** PAYLOAD_TOO_LARGE when the turn's attachments would take the owner past the attachment cap. */
export async function checkQuota(options: ConversationOpeningOptions, principal: Principal, input: SendChatInput) {
  const incoming = (input.attachments ?? []).reduce((sum, a) => sum + Math.floor(((a.data?.length ?? 0) * 3) / 4), 0);
  if (incoming === 0) return;
  // The owner's earlier turns count as soon as they are answered, not once their writes are committed.
  await options.writes?.settled();
  const stored = await options.attachments.ownerBytes(principal.id);
  if (stored + incoming > options.maxBytesPerOwner) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      'Your stored attachments have reached their size limit: delete old conversations to send new files.',
    );
  }
}
