import { chatRouter } from './chat-router.ts';
import { t } from './init.ts';

export const appRouter = t.router({ chat: chatRouter });

/** Import this type (not the code) in typed clients: `createTRPCClient<AppRouter>(...)`. */
export type AppRouter = typeof appRouter;
