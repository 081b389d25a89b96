import { type FastifyTRPCPluginOptions, fastifyRequestHandler } from '@trpc/server/adapters/fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/auth-service.ts';
import type { Principal } from '../chat/principal.ts';
import type { ChatService, RunLog } from '../chat/service.ts';
import type { AppError } from '../contract/errors.ts';
import { toTRPCError } from './errors.ts';
import type { AppRouter } from './router.ts';

export interface TrpcContext {
  /** Attached by the scope's onRequest hook (http/auth), before the body was read. */
  principal: Principal;
  service: ChatService;
  /** The request's logger: every line carries its request id. */
  log: RunLog;
  /** WeChat sign-in, when configured. */
  auth: AuthService | undefined;
  /** The caller's address (TRUST_PROXY honoured): sign-in is rate-limited by it. */
  clientIp: string;
}

export function createContextFactory(service: ChatService, auth?: AuthService) {
  return ({ req }: { req: FastifyRequest }): TrpcContext => ({
    principal: req.principal,
    service,
    log: req.log,
    auth,
    clientIp: req.ip,
  });
}

type TrpcOptions = FastifyTRPCPluginOptions<AppRouter>['trpcOptions'];

/**
 * Answers a refused caller from onRequest in tRPC's own error shape (errorFormatter, onError and all): tRPC builds
 * the context first, so a context that refuses ends the call before tRPC would read the body.
 */
export function refuseInTrpcShape(trpcOptions: TrpcOptions) {
  return async (error: AppError, req: FastifyRequest, res: FastifyReply): Promise<void> => {
    await fastifyRequestHandler({
      ...trpcOptions,
      createContext: () => {
        throw toTRPCError(error);
      },
      req,
      res,
      path: (req.params as { path?: string }).path ?? '',
    });
  };
}
