import type { GatewayChatRequest } from '../gateway/translate.ts';

/** Per attachment sent: about what a vision model charges for a phone-sized image. */
export const ATTACHMENT_TOKENS = 1_000;

/**
 * Tokens a turn is counted for when the gateway reports no usage: one token per 2 characters of what was sent
 * upstream and of the answer (English runs ~4 characters a token, Chinese ~1–1.5: 2 does not undercount a
 * Chinese-speaking user by much), plus ATTACHMENT_TOKENS per attachment. Deliberately rough and on the high side;
 * the gateway's own usage replaces it whenever present.
 */
export function estimateTokens(request: Pick<GatewayChatRequest, 'messages' | 'attachments'>, answer: string): number {
  let characters = answer.length;
  for (const message of request.messages) characters += message.content.length;
  return Math.ceil(characters / 2) + request.attachments.length * ATTACHMENT_TOKENS;
}
