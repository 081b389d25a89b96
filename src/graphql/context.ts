import type { FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/auth-service.ts';
import type { Principal } from '../chat/principal.ts';
import type { ChatService, RunLog } from '../chat/service.ts';
import type { AttachmentLimits } from '../contract/limits.ts';

export interface GraphQLContext {
  principal: Principal;
  service: ChatService;
  limits: AttachmentLimits;
  /** The request's logger: every line carries its request id. */
  log: RunLog;
  /** Aborts when the client goes away: sendChat cancels its run; subscriptions only detach (the run goes on). */
  signal: AbortSignal | undefined;
  /** WeChat sign-in, when configured. */
  auth: AuthService | undefined;
  /** The caller's address (X-Forwarded-For honoured with TRUST_PROXY): sign-in is rate-limited by it. */
  clientIp: string;
}

/**
 * What each operation starts from: the Fastify request (over graphql-ws, the upgrade request) and the caller that
 * authenticated it, by the route's onRequest hook or by the socket's handshake.
 */
export interface ServerContext {
  req: FastifyRequest;
  principal: Principal;
}

export interface GraphQLDependencies {
  service: ChatService;
  limits: AttachmentLimits;
  auth?: AuthService;
}

export function createGraphQLContext(
  principal: Principal,
  dependencies: GraphQLDependencies,
  req: FastifyRequest,
  signal: AbortSignal | undefined,
): GraphQLContext {
  return { principal, ...dependencies, auth: dependencies.auth, log: req.log, signal, clientIp: req.ip };
}
