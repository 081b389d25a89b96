import { CHAT_ROLES, THINKING_LEVELS } from '../../contract/chat.ts';
import { builder } from '../builder.ts';

/** Lowercase, as in the REST shim and OpenAI roles, so stored histories pass straight through. */
export const ChatRoleEnum = builder.enumType('ChatRole', { values: CHAT_ROLES });

export const ThinkingLevelEnum = builder.enumType('ThinkingLevel', {
  values: THINKING_LEVELS,
  description: 'How hard the agent thinks before answering (ws transport; a model that cannot is INVALID_INPUT).',
});
