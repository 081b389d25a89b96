import { authRouter } from './auth-router.ts';
import { chatRouter } from './chat-router.ts';
import { conversationRouter } from './conversation-router.ts';
import { t } from './init.ts';

export const appRouter = t.router({ auth: authRouter, chat: chatRouter, conversations: conversationRouter });

/** Import this type (not the code) in typed clients: `createTRPCClient<AppRouter>(...)`. */
export type AppRouter = typeof appRouter;
