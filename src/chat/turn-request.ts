import type { ChatMessageInput, SendChatInput } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import type { AttachmentLimits } from '../contract/limits.ts';
import { validateAttachments } from '../gateway/attachments.ts';
import type { GatewayChatRequest } from '../gateway/translate.ts';
import type { OpenConversation } from './conversation-journal.ts';
import type { Principal } from './principal.ts';
import { sessionKeyFor } from './session.ts';

/** Stateful conversations send only the new turn: the gateway already holds the history. */
function newTurn(messages: readonly ChatMessageInput[]): ChatMessageInput[] {
  const lastAssistant = messages.findLastIndex((m) => m.role === 'assistant');
  if (lastAssistant === -1) return [...messages];
  return [...messages.slice(0, lastAssistant).filter((m) => m.role === 'system'), ...messages.slice(lastAssistant + 1)];
}

/** Validates a turn and translates it into what the gateway must receive. Throws INVALID_INPUT & co. */
export function prepareTurn(
  principal: Principal,
  input: SendChatInput,
  limits: AttachmentLimits,
  conversation?: OpenConversation,
): GatewayChatRequest {
  const last = input.messages.at(-1);
  if (last?.role !== 'user') {
    throw new AppError('INVALID_INPUT', 'The last message must be the user\'s turn (role "user").');
  }
  const attachments = validateAttachments(input.attachments ?? [], limits);
  if (last.content.trim() === '' && attachments.length === 0) {
    throw new AppError('INVALID_INPUT', 'The user message is empty: send text, an image or a file.');
  }
  const agentId = input.agentId;
  const model = agentId ? `openclaw/${agentId}` : (input.model ?? 'openclaw');
  const sessionKey =
    conversation?.sessionKey ?? (input.user === undefined ? undefined : sessionKeyFor(principal, input.user));
  return {
    model,
    messages: sessionKey && !conversation?.newSession ? newTurn(input.messages) : input.messages,
    attachments,
    sessionKey,
    stream: false,
    ...(input.thinking ? { thinking: input.thinking } : {}),
  };
}
