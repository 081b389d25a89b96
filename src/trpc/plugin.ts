import type { TRPCError } from '@trpc/server';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChatService } from '../chat/service.ts';
import type { Authenticate } from '../http/auth.ts';
import { createContextFactory } from './context.ts';
import { appCodeOf } from './errors.ts';
import { type AppRouter, appRouter } from './router.ts';
import { createSingleCallExecutor, SINGLE_CALL_HEADERS } from './single-call.ts';

export interface TrpcOptions {
  service: ChatService;
  authenticate: Authenticate;
  prefix?: string;
  /** Answer single JSON mutations on the lean path (see single-call.ts). Default true. */
  fastPath?: boolean;
}

/** `/trpc`: the same chat service as tRPC procedures; subscriptions over SSE. */
export async function registerTrpc(app: FastifyInstance, options: TrpcOptions): Promise<void> {
  const createContext = createContextFactory(options.service, options.authenticate);
  // As REST logs: bugs at error with their cause, client mistakes and chat-service errors at info with their code.
  const onError = (error: TRPCError, path: string | undefined) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') app.log.error({ err: error.cause ?? error, path }, 'tRPC error');
    else app.log.info({ code: appCodeOf(error), path }, error.message);
  };

  await app.register(async (scope) => {
    if (options.fastPath !== false) {
      const executeSingleCall = createSingleCallExecutor({ createContext, onError });
      // Runs after the adapter's body parser, before its handler; an answer here ends the request.
      scope.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
        if (request.method !== 'POST') return;
        const single = await executeSingleCall(request, reply, (request.params as { path: string }).path);
        // Bytes, not a string, which Fastify would label `charset=utf-8` unlike tRPC's own answers.
        if (single) return reply.status(single.status).headers(SINGLE_CALL_HEADERS).send(Buffer.from(single.body));
      });
    }
    await scope.register(fastifyTRPCPlugin, {
      prefix: options.prefix ?? '/trpc',
      trpcOptions: {
        router: appRouter,
        createContext,
        onError: ({ error, path }) => onError(error, path),
      } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
    });
  });
}
