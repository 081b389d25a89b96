import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChatService } from '../chat/service.ts';
import { type Authenticate, requireAuthentication } from '../http/auth.ts';
import { logAnsweredError } from '../http/log-policy.ts';
import { createContextFactory, refuseInTrpcShape } from './context.ts';
import { appCodeOf } from './errors.ts';
import { type AppRouter, appRouter } from './router.ts';

export interface TrpcOptions {
  service: ChatService;
  authenticate: Authenticate;
  prefix?: string;
}

/** `/trpc`: the same chat service as tRPC procedures; subscriptions over SSE. */
export async function registerTrpc(app: FastifyInstance, options: TrpcOptions): Promise<void> {
  const trpcOptions = {
    router: appRouter,
    createContext: createContextFactory(options.service),
    onError: ({ error, path, req }) =>
      logAnsweredError(req.log ?? app.log, appCodeOf(error), error.message, error.cause ?? error, { path }),
  } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'];

  await app.register(async (scope) => {
    requireAuthentication(scope, { authenticate: options.authenticate, refuse: refuseInTrpcShape(trpcOptions) });
    await scope.register(fastifyTRPCPlugin, { prefix: options.prefix ?? '/trpc', trpcOptions });
  });
}
