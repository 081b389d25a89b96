import { builder } from './builder.ts';
import './types/chat-event.ts';
import './types/chat-result.ts';
import './types/conversation.ts';
import './types/limits.ts';
import './types/operations.ts';
import './types/send-chat-input.ts';
import './types/auth.ts';

export const schema = builder.toSchema({ sortSchema: false });
