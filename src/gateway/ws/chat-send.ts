import { AppError } from '../../contract/errors.ts';
import type { GatewayChatRequest } from '../translate.ts';
import type { WsPolicy } from './connection.ts';

/** Room left in a frame for the envelope around the attachments (ids, keys, message JSON escaping slack). */
const FRAME_SLACK_BYTES = 8 * 1024;
/** Per attachment: type, mimeType, fileName and the JSON around them. */
const ATTACHMENT_OVERHEAD_BYTES = 512;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** `openclaw/<agentId>` addresses that agent's session namespace; the gateway otherwise uses `main`. */
export function wsSessionKey(request: GatewayChatRequest, runId: string): string {
  const key = request.sessionKey ?? `minipro-once-${runId}`;
  const agent = /^(?:openclaw[/:]|agent:)([a-z0-9][a-z0-9_-]*)$/.exec(request.model)?.[1];
  return agent && agent !== 'default' ? `agent:${agent}:${key}` : key;
}

/**
 * chat.send takes one message: the new turn. Earlier messages a stateless client sends along (system prompt,
 * previous turns) are given to the agent as a labelled transcript before it.
 */
export function wsMessageText(request: GatewayChatRequest): string {
  const messages = request.messages;
  if (messages.length === 1) return messages[0]?.content ?? '';
  const last = messages.at(-1)?.content ?? '';
  const context = messages
    .slice(0, -1)
    .map((m) => `[${m.role}]\n${m.content}`)
    .join('\n\n');
  return `${context}\n\n[user]\n${last}`;
}

/**
 * The gateway closes the whole socket (1009) on a frame over `maxPayload`, and refuses images over its own limit:
 * refuse both here with our 413, before anything is sent.
 */
export function checkAgainstPolicy(request: GatewayChatRequest, textBytes: number, policy: WsPolicy): void {
  let frame = textBytes + FRAME_SLACK_BYTES;
  for (const attachment of request.attachments) {
    const limit = attachment.kind === 'image' ? policy.maxImageBytes : policy.maxFileBytes;
    if (attachment.bytes > limit) {
      throw new AppError(
        'PAYLOAD_TOO_LARGE',
        `${attachment.kind === 'image' ? 'An image' : 'A file'} is ${mib(attachment.bytes)}; the agent gateway accepts at most ${mib(limit)} per ${attachment.kind}. Compress or shrink it.`,
      );
    }
    frame += attachment.data.length + ATTACHMENT_OVERHEAD_BYTES;
  }
  if (frame > policy.maxPayload) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `The attachments add up to about ${mib(frame)} once encoded; the agent gateway accepts at most ${mib(policy.maxPayload)} per message. Send fewer or smaller files.`,
    );
  }
}

export interface ChatSendParams {
  sessionKey: string;
  message: string;
  idempotencyKey: string;
  attachments?: Array<{ type: 'image' | 'file'; mimeType: string; fileName: string; content: string }>;
  thinking?: string;
}

export function buildChatSend(request: GatewayChatRequest, runId: string, policy: WsPolicy): ChatSendParams {
  const message = wsMessageText(request);
  checkAgainstPolicy(request, Buffer.byteLength(message), policy);
  const params: ChatSendParams = { sessionKey: wsSessionKey(request, runId), message, idempotencyKey: runId };
  if (request.attachments.length > 0) {
    params.attachments = request.attachments.map((attachment, index) => ({
      type: attachment.kind,
      mimeType: attachment.mimeType,
      fileName:
        attachment.kind === 'file' ? attachment.filename : `image-${index + 1}.${attachment.mimeType.split('/')[1]}`,
      content: String(attachment.data),
    }));
  }
  if (request.thinking) params.thinking = request.thinking;
  return params;
}
