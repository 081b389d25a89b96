import { randomBytes } from 'node:crypto';
import type { Base64Data } from '../contract/base64-blob.ts';
import type { ChatMessageInput, ThinkingLevel } from '../contract/chat.ts';
import type { ValidatedAttachment } from './attachments.ts';

export type GatewayEndpoint = '/v1/chat/completions' | '/v1/responses';

/** What the chat service asks of the gateway, already validated and trimmed to what must be sent. */
export interface GatewayChatRequest {
  /** `openclaw` or `openclaw/<agentId>`. */
  model: string;
  messages: readonly ChatMessageInput[];
  /** Attached to the last user message. */
  attachments: readonly ValidatedAttachment[];
  /** Stable conversation: the gateway keeps history under this key on both endpoints. */
  sessionKey: string | undefined;
  stream: boolean;
  /** Our run's id: the ws transport's idempotency key and runId (absent: one is drawn). */
  runId?: string;
  /** ws only (`chat.send thinking`); the HTTP endpoints ignore it. */
  thinking?: ThinkingLevel;
  /** ws only: download what the agent generates (a stored conversation keeps it); else it is only logged. */
  keepMedia?: boolean;
}

export interface UpstreamCall {
  endpoint: GatewayEndpoint;
  headers: Record<string, string>;
  /** JSON text; with attachments, its pieces (the base64 payloads are passed through, never copied into one string). */
  body: string | Iterable<string | Buffer>;
}

/** Text-only turns go to chat completions; anything with attachments needs OpenResponses. */
export function chooseEndpoint(request: GatewayChatRequest): GatewayEndpoint {
  return request.attachments.length > 0 ? '/v1/responses' : '/v1/chat/completions';
}

export function buildChatCompletionsBody(request: GatewayChatRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: request.model,
    messages: request.messages.map(({ role, content }) => ({ role, content })),
    stream: request.stream,
  };
  if (request.stream) body.stream_options = { include_usage: true };
  return body;
}

function attachmentPart(attachment: ValidatedAttachment, data: string): Record<string, unknown> {
  if (attachment.kind === 'image') {
    return { type: 'input_image', source: { type: 'base64', media_type: attachment.mimeType, data } };
  }
  return {
    type: 'input_file',
    source: { type: 'base64', media_type: attachment.mimeType, data, filename: attachment.filename },
  };
}

/** Stands in for attachment i's payload while the JSON around it is built; NUL + a per-process nonce. */
const DATA_MARK = `\u0000${randomBytes(8).toString('hex')}:`;
const DATA_MARK_JSON = JSON.stringify(DATA_MARK).slice(1, -1);
const dataMark = (index: number) => `${DATA_MARK}${index};`;

/**
 * OpenResponses is strict: every item is `type: "message"`, and media are content parts of the
 * current user message (the last one). Top-level `input_image` items are rejected by the real gateway.
 */
export function buildResponsesBody(
  request: GatewayChatRequest,
  dataOf: (attachment: ValidatedAttachment, index: number) => string = (attachment) => String(attachment.data),
): Record<string, unknown> {
  const lastUser = request.messages.findLastIndex((m) => m.role === 'user');
  const input = request.messages.map((message, index) => {
    if (index !== lastUser) return { type: 'message', role: message.role, content: message.content };
    const parts: Record<string, unknown>[] = [];
    if (message.content.length > 0) parts.push({ type: 'input_text', text: message.content });
    request.attachments.forEach((attachment, i) => {
      parts.push(attachmentPart(attachment, dataOf(attachment, i)));
    });
    return { type: 'message', role: 'user', content: parts };
  });
  return { model: request.model, input, stream: request.stream };
}

const SLICE = 256 * 1024;

function* pieces(parts: readonly Base64Data[]): Generator<string | Buffer> {
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    // Odd parts are base64 (ASCII), safe to cut anywhere; JSON parts may hold surrogate pairs, so go whole.
    if (typeof part !== 'string') yield* part.chunks;
    else if (i % 2 === 0 || part.length <= SLICE) yield part;
    else for (let at = 0; at < part.length; at += SLICE) yield part.slice(at, at + SLICE);
  }
}

/**
 * A multi-megabyte image would otherwise exist three more times (in the JSON string, its Buffer, the socket
 * write); instead the body is the JSON around the payloads plus the payloads themselves, with a Content-Length.
 */
function responsesBody(request: GatewayChatRequest): { body: Iterable<string | Buffer>; length: number } {
  const json = JSON.stringify(buildResponsesBody(request, (_attachment, i) => dataMark(i)));
  const parts: Base64Data[] = [];
  let from = 0;
  request.attachments.forEach((attachment, i) => {
    const mark = `${DATA_MARK_JSON}${i};`;
    const at = json.indexOf(mark, from);
    parts.push(json.slice(from, at), attachment.data);
    from = at + mark.length;
  });
  parts.push(json.slice(from));
  let length = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    length += typeof part !== 'string' || i % 2 === 1 ? part.length : Buffer.byteLength(part);
  }
  return { body: { [Symbol.iterator]: () => pieces(parts) }, length };
}

export function buildUpstreamCall(request: GatewayChatRequest): UpstreamCall {
  const endpoint = chooseEndpoint(request);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: request.stream ? 'text/event-stream' : 'application/json',
  };
  if (request.sessionKey) headers['x-openclaw-session-key'] = request.sessionKey;
  if (endpoint === '/v1/chat/completions') {
    return { endpoint, headers, body: JSON.stringify(buildChatCompletionsBody(request)) };
  }
  const { body, length } = responsesBody(request);
  headers['content-length'] = String(length);
  return { endpoint, headers, body };
}

/** The whole upstream body as text (tests and logs). */
export function upstreamBodyText(call: UpstreamCall): string {
  return typeof call.body === 'string' ? call.body : [...call.body].map(String).join('');
}
