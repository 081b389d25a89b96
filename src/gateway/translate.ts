import type { ChatMessageInput } from '../contract/chat.ts';
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
}

export interface UpstreamCall {
  endpoint: GatewayEndpoint;
  headers: Record<string, string>;
  body: string;
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

function attachmentPart(attachment: ValidatedAttachment): Record<string, unknown> {
  if (attachment.kind === 'image') {
    return { type: 'input_image', source: { type: 'base64', media_type: attachment.mimeType, data: attachment.data } };
  }
  return {
    type: 'input_file',
    source: { type: 'base64', media_type: attachment.mimeType, data: attachment.data, filename: attachment.filename },
  };
}

/**
 * OpenResponses is strict: every item is `type: "message"`, and media are content parts of the
 * current user message (the last one). Top-level `input_image` items are rejected by the real gateway.
 */
export function buildResponsesBody(request: GatewayChatRequest): Record<string, unknown> {
  const lastUser = request.messages.findLastIndex((m) => m.role === 'user');
  const input = request.messages.map((message, index) => {
    if (index !== lastUser) return { type: 'message', role: message.role, content: message.content };
    const parts: Record<string, unknown>[] = [];
    if (message.content.length > 0) parts.push({ type: 'input_text', text: message.content });
    for (const attachment of request.attachments) parts.push(attachmentPart(attachment));
    return { type: 'message', role: 'user', content: parts };
  });
  return { model: request.model, input, stream: request.stream };
}

export function buildUpstreamCall(request: GatewayChatRequest): UpstreamCall {
  const endpoint = chooseEndpoint(request);
  const body = endpoint === '/v1/chat/completions' ? buildChatCompletionsBody(request) : buildResponsesBody(request);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: request.stream ? 'text/event-stream' : 'application/json',
  };
  if (request.sessionKey) headers['x-openclaw-session-key'] = request.sessionKey;
  return { endpoint, headers, body: JSON.stringify(body) };
}
