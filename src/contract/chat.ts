import { z } from 'zod';
import { Base64Blob } from './base64-blob.ts';
import { ERROR_CODES } from './errors.ts';

/**
 * The chat contract: every surface (REST, GraphQL, tRPC) parses its input into these shapes and
 * renders these results. Validation that needs limits (sizes, counts, magic bytes) lives in
 * gateway/attachments.ts; these schemas check shape only.
 */

export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;
export const ChatRole = z.enum(CHAT_ROLES);
export type ChatRole = z.infer<typeof ChatRole>;

export const MAX_MESSAGES = 500;
export const MAX_MESSAGE_CHARS = 200_000;

export const ChatMessageInput = z.object({
  role: ChatRole,
  content: z.string().max(MAX_MESSAGE_CHARS, `content is longer than ${MAX_MESSAGE_CHARS} characters`),
});
export type ChatMessageInput = z.infer<typeof ChatMessageInput>;

/**
 * base64 payloads are checked for alphabet and decoded size later, without copying them here. Large ones in
 * REST bodies arrive as Base64Blob (the body's own bytes, see http/json-body.ts); clients always send strings.
 */
const base64Data = z.union([z.string().min(1, 'data must be non-empty base64'), z.instanceof(Base64Blob)], {
  error: 'data must be a base64 string',
});

export const ImageAttachmentInput = z.object({
  type: z.literal('image'),
  data: base64Data,
  /** May be left out when `data` is a `data:<mime>;base64,` URL, which names the type. */
  mimeType: z.string().min(1, 'mimeType must name the image type, e.g. "image/jpeg"').nullish(),
  name: z.string().max(255).optional(),
});
export type ImageAttachmentInput = z.infer<typeof ImageAttachmentInput>;

export const FileAttachmentInput = z.object({
  type: z.literal('file'),
  name: z.string().min(1).max(255),
  /** Optional only so that a legacy client sending `url` alone gets a precise error, not a schema error. */
  data: base64Data.optional(),
  mimeType: z.string().optional(),
  /** The legacy client sent a local `wxfile://` path here; the server cannot read it. */
  url: z.string().optional(),
});
export type FileAttachmentInput = z.infer<typeof FileAttachmentInput>;

export const AttachmentInput = z.discriminatedUnion('type', [ImageAttachmentInput, FileAttachmentInput], {
  error: 'attachment type must be "image" or "file"',
});
export type AttachmentInput = z.infer<typeof AttachmentInput>;

export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const MODEL_PATTERN = /^(openclaw(\/default)?|(openclaw\/|openclaw:|agent:)[a-z0-9][a-z0-9_-]{0,63})$/;

/** How hard the agent thinks (ws transport: `chat.send thinking`); models that cannot are refused. */
export const THINKING_LEVELS = ['off', 'minimal', 'low', 'medium', 'high'] as const;
export const ThinkingLevel = z.enum(THINKING_LEVELS, {
  error: `thinking must be one of ${THINKING_LEVELS.join(', ')}`,
});
export type ThinkingLevel = z.infer<typeof ThinkingLevel>;

export const SendChatInput = z.object({
  model: z
    .string()
    .regex(MODEL_PATTERN, 'model names an OpenClaw agent: use "openclaw" or "openclaw/<agentId>"')
    .optional(),
  messages: z
    .array(ChatMessageInput)
    .min(1, 'messages must contain at least one message')
    .max(MAX_MESSAGES, `at most ${MAX_MESSAGES} messages`),
  /** A stable conversation id chosen by the client (e.g. a hashed openid); enables server-side history. */
  user: z.string().min(1).max(256).optional(),
  /** A stored conversation to continue (GraphQL/tRPC); absent, a new one is created. Send only the new turn. */
  conversationId: z.string().min(1).max(64).optional(),
  attachments: z.array(AttachmentInput).max(32, 'at most 32 attachments').optional(),
  agentId: z.string().regex(AGENT_ID_PATTERN, 'agentId must be lowercase letters, digits, "-" or "_"').optional(),
  thinking: ThinkingLevel.optional(),
});
export type SendChatInput = z.infer<typeof SendChatInput>;

export const Usage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

/** Media the assistant produced, found as URLs or Markdown links in its text. */
export const OutputAttachment = z.object({
  type: z.enum(['image', 'file']),
  url: z.string(),
  name: z.string().optional(),
  /** Known for stored attachments (a user's uploads). */
  mimeType: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
});
export type OutputAttachment = z.infer<typeof OutputAttachment>;

export const ChatResult = z.object({
  runId: z.string(),
  model: z.string(),
  message: z.object({ role: z.literal('assistant'), content: z.string() }),
  finishReason: z.string().nullable(),
  usage: Usage.nullable(),
  attachments: z.array(OutputAttachment),
  /** The stored conversation the run belongs to, when it belongs to one. */
  conversationId: z.string().optional(),
  /** Always true for an answer: WeChat requires AI-generated content to be labelled as such. */
  aiGenerated: z.boolean(),
  /** The label the app shows under the answer (AI_LABEL_TEXT). */
  label: z.string().nullable(),
});
export type ChatResult = z.infer<typeof ChatResult>;

const eventBase = { runId: z.string(), eventId: z.string() };
export const TOOL_PHASES = ['started', 'finished'] as const;
export const ChatEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), ...eventBase, conversationId: z.string().optional() }),
  z.object({ type: z.literal('delta'), ...eventBase, text: z.string() }),
  z.object({ type: z.literal('completed'), ...eventBase, result: ChatResult }),
  z.object({
    type: z.literal('failed'),
    ...eventBase,
    code: z.enum(ERROR_CODES),
    message: z.string(),
    /** Moderation withdrew the answer: the app removes whatever it showed of it. */
    retracted: z.boolean().optional(),
  }),
  /** The agent started or finished a tool (ws transport): its name and title only, never arguments or results. */
  z.object({
    type: z.literal('tool'),
    ...eventBase,
    name: z.string(),
    phase: z.enum(TOOL_PHASES),
    title: z.string().nullable(),
    status: z.string().nullable(),
  }),
]);
export type ChatEvent = z.infer<typeof ChatEvent>;
export type ChatEventType = ChatEvent['type'];

export const RunRef = z.object({ runId: z.string().min(1).max(128) });
export const ChatEventsInput = RunRef.extend({ lastEventId: z.string().max(32).optional() });
export type ChatEventsInput = z.infer<typeof ChatEventsInput>;
