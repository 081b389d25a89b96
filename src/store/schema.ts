import type { Generated, Kysely } from 'kysely';

/**
 * Assistant answers: running, then how they ended; `hidden` is an answer moderation withdrew (its text is not kept).
 * User turns have none, except `rejected`: refused by moderation, shown to its author, never sent to the agent.
 */
export const MESSAGE_STATUSES = [
  'running',
  'completed',
  'failed',
  'cancelled',
  'interrupted',
  'hidden',
  'rejected',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Times are epoch milliseconds (bigint columns, read back as numbers on both engines). */
export interface ConversationTable {
  id: string;
  owner: string;
  title: string;
  /** The OpenClaw session this conversation's turns run in. */
  session_key: string;
  /** Set for conversations keyed by a client's `user` (the legacy REST shim): a hash, unique per owner. */
  external_key: string | null;
  /** Bumped by resetConversation: the turns after it run in a fresh gateway session (see gatewaySessionKey). */
  session_generation: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface MessageTable {
  /** Insertion order: the pagination key, stable under concurrent inserts. */
  seq: Generated<number>;
  id: string;
  conversation_id: string;
  role: 'system' | 'user' | 'assistant';
  content: string;
  status: MessageStatus | null;
  run_id: string | null;
  model: string | null;
  /** JSON: Usage. */
  usage: string | null;
  finish_reason: string | null;
  error_code: string | null;
  error_message: string | null;
  event_count: number | null;
  /** JSON: the assistant's OutputAttachment[]. */
  output_attachments: string | null;
  created_at: number;
  updated_at: number;
}

/** Attachment bytes, content-addressed: one row per distinct sha256 whoever sent it. */
export interface BlobTable {
  sha256: string;
  bytes: Uint8Array;
  size: number;
  created_at: number;
}

export interface AttachmentTable {
  id: string;
  owner: string;
  conversation_id: string;
  message_id: string;
  /** Order within the message. */
  position: number;
  sha256: string;
  kind: 'image' | 'file';
  name: string | null;
  mime_type: string;
  size: number;
  created_at: number;
}

export const USER_STATUSES = ['active', 'pending', 'blocked'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export interface UserTable {
  id: string;
  openid: string;
  unionid: string | null;
  /** As the operator left it; the access policy may still let a `pending` user in (see auth/access-policy). */
  status: UserStatus;
  /** Short, unique, shown to a pending user so the operator can approve them by it. */
  approval_code: string;
  /** Overrides of the server-wide limits (admin command); null keeps the default. */
  requests_per_minute: number | null;
  tokens_per_day: number | null;
  created_at: number;
  updated_at: number;
}

/** A refresh-token family: one sign-in and its rotations. Revoked on sign-out or when a used token comes back. */
export interface AuthSessionTable {
  id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface RefreshTokenTable {
  /** sha256 of the token (hex): the token itself is never stored. */
  hash: string;
  session_id: string;
  /** Set when rotated: presenting it again is reuse. */
  used_at: number | null;
  created_at: number;
}

/** One row per mini-program (appid): its current access token. */
export interface WechatTokenTable {
  app_id: string;
  access_token: string;
  expires_at: number;
  renew_at: number;
  updated_at: number;
}

export interface StoreSchema {
  conversations: ConversationTable;
  messages: MessageTable;
  blobs: BlobTable;
  attachments: AttachmentTable;
  users: UserTable;
  auth_sessions: AuthSessionTable;
  refresh_tokens: RefreshTokenTable;
  wechat_tokens: WechatTokenTable;
}

/** The database or a transaction on it. */
export type Executor = Kysely<StoreSchema>;
