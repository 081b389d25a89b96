import type { FastifyReply, FastifyRequest } from 'fastify';
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
}

/** What each operation starts from: the Fastify request (or, over graphql-ws, the upgrade request and its key). */
export interface ServerContext {
  req: FastifyRequest;
  reply: FastifyReply;
  principal?: Principal;
  signal?: AbortSignal;
}
