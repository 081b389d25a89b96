import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { AuthService } from '../auth/auth-service.ts';
import type { ChatService } from '../chat/service.ts';
import { FIXED_LIMITS } from '../config/fixed-limits.ts';
import { type Authenticate, requireAuthentication } from '../http/auth.ts';
import { fromFastifyError } from '../http/errors.ts';
import { logAnsweredError } from '../http/log-policy.ts';
import { createContextFactory, refuseInTrpcShape } from './context.ts';
import { appCodeOf, publicMessage, quotaResetOf, retryAfterOf } from './errors.ts';
import { type AppRouter, appRouter } from './router.ts';

export interface TrpcOptions {
  service: ChatService;
  /** WeChat sign-in: callers without credentials may then call auth.signInWithWechat and auth.refresh. */
  auth?: AuthService;
  authenticate: Authenticate;
  prefix?: string;
}

/** `/trpc`: the same chat service as tRPC procedures; subscriptions over SSE. */
export async function registerTrpc(app: FastifyInstance, options: TrpcOptions): Promise<void> {
  const trpcOptions = {
    router: appRouter,
    createContext: createContextFactory(options.service, options.auth),
    responseMeta: ({ errors }) => {
      const retryAfter = retryAfterOf(errors);
      const resetAt = quotaResetOf(errors);
      const headers = new Headers();
      if (retryAfter !== undefined) headers.set('retry-after', String(retryAfter));
      if (resetAt !== undefined) headers.set('x-quota-reset', new Date(resetAt).toISOString());
      return { headers };
    },
    // The message the caller read, on the request's logger (its lines carry the request id).
    onError: ({ error, path, req, type }) =>
      logAnsweredError(req.log ?? app.log, appCodeOf(error), publicMessage(error, type), error.cause ?? error, {
        path,
      }),
  } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'];

  await app.register(async (scope) => {
    const refuse = refuseInTrpcShape(trpcOptions);
    requireAuthentication(scope, {
      authenticate: options.authenticate,
      refuse,
      ...(options.auth ? { guestMaxBodyBytes: FIXED_LIMITS.guestMaxBodyBytes } : {}),
    });
    // Fastify's own refusals (body type, size, receive timeouts) answer in tRPC's shape too.
    scope.setErrorHandler((error: FastifyError, request, reply) => refuse(fromFastifyError(error), request, reply));
    await scope.register(fastifyTRPCPlugin, { prefix: options.prefix ?? '/trpc', trpcOptions });
  });
}
