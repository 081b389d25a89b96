import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyInstance } from 'fastify';
import type { ChatService } from '../chat/service.ts';
import type { Authenticate } from '../http/auth.ts';
import { createContextFactory } from './context.ts';
import { type AppRouter, appRouter } from './router.ts';

export interface TrpcOptions {
  service: ChatService;
  authenticate: Authenticate;
  prefix?: string;
}

/** `/trpc`: the same chat service as tRPC procedures; subscriptions over SSE. */
export async function registerTrpc(app: FastifyInstance, options: TrpcOptions): Promise<void> {
  await app.register(fastifyTRPCPlugin, {
    prefix: options.prefix ?? '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext: createContextFactory(options.service, options.authenticate),
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') app.log.error({ err: error.cause ?? error, path }, 'tRPC error');
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });
}
