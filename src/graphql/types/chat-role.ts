import { CHAT_ROLES } from '../../contract/chat.ts';
import { builder } from '../builder.ts';

/** Lowercase, as in the REST shim and OpenAI roles, so stored histories pass straight through. */
export const ChatRoleEnum = builder.enumType('ChatRole', { values: CHAT_ROLES });
