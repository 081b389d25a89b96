import type { Selectable } from 'kysely';
import type { OutputAttachment, Usage } from '../contract/chat.ts';
import type { ConversationTable, MessageStatus, MessageTable } from './schema.ts';

export interface ConversationRecord {
  id: string;
  owner: string;
  title: string;
  /** The gateway session the next turn runs in (the stored key, renewed by each reset). */
  sessionKey: string;
  createdAt: number;
  updatedAt: number;
}

/** Generation 0 is the key a conversation was created with; each reset moves its turns to a key nobody has used. */
export function gatewaySessionKey(key: string, generation: number): string {
  return generation > 0 ? `${key}-r${generation}` : key;
}

export interface AttachmentRecord {
  id: string;
  kind: 'image' | 'file';
  name: string | null;
  mimeType: string;
  size: number;
}

export interface MessageRecord {
  seq: number;
  id: string;
  conversationId: string;
  role: 'system' | 'user' | 'assistant';
  content: string;
  status: MessageStatus | null;
  runId: string | null;
  model: string | null;
  usage: Usage | null;
  finishReason: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** The number of events the run emitted (its final event's id), for replay. */
  eventCount: number | null;
  outputAttachments: OutputAttachment[];
  attachments: AttachmentRecord[];
  createdAt: number;
}

export const toConversation = (row: Selectable<ConversationTable>): ConversationRecord => ({
  id: row.id,
  owner: row.owner,
  title: row.title,
  sessionKey: gatewaySessionKey(row.session_key, Number(row.session_generation)),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

type MessageRow = Omit<MessageTable, 'seq'> & { seq: number };

export const toMessage = (row: MessageRow, attachments: AttachmentRecord[] = []): MessageRecord => ({
  seq: row.seq,
  id: row.id,
  conversationId: row.conversation_id,
  role: row.role,
  content: row.content,
  status: row.status,
  runId: row.run_id,
  model: row.model,
  usage: row.usage ? (JSON.parse(row.usage) as Usage) : null,
  finishReason: row.finish_reason,
  errorCode: row.error_code,
  errorMessage: row.error_message,
  eventCount: row.event_count,
  outputAttachments: row.output_attachments ? (JSON.parse(row.output_attachments) as OutputAttachment[]) : [],
  attachments,
  createdAt: row.created_at,
});

export interface Page<T> {
  items: T[];
  /** More rows beyond this page, in the direction of travel. */
  more: boolean;
}
