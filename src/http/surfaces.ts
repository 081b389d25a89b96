import type { FastifyInstance } from 'fastify';
import type { AuthService } from '../auth/auth-service.ts';
import type { Conversations } from '../chat/conversations.ts';
import type { ChatService } from '../chat/service.ts';
import type { Config } from '../config/env.ts';
import type { AttachmentLimits } from '../contract/limits.ts';
import type { AppGateway } from '../gateway/open-gateway.ts';
import { registerGraphQL } from '../graphql/routes.ts';
import { registerRestAuth } from '../rest/auth-route.ts';
import { registerRestChat } from '../rest/chat-route.ts';
import { registerTrpc } from '../trpc/plugin.ts';
import { registerAttachmentRoute } from './attachment-route.ts';
import { type Authenticate, requireAuthentication } from './auth.ts';
import { registerErrorHandling } from './errors.ts';
import { registerHealth } from './health.ts';
import { useLargeJsonBodies } from './json-body.ts';

export interface SurfacesOptions {
  service: ChatService;
  authenticate: Authenticate;
  /** WeChat sign-in (absent when not configured). */
  auth: AuthService | undefined;
  /** Signed attachment downloads (absent without a store). */
  conversations: Conversations | undefined;
  gateway: AppGateway;
  limits: AttachmentLimits;
  graphiqlApiKey?: string;
}

/** Every surface on the one chat service: health, attachments, REST (sign-in, chat), GraphQL, tRPC. */
export async function registerSurfaces(server: FastifyInstance, config: Config, options: SurfacesOptions) {
  const { service, authenticate, auth, conversations, gateway, limits } = options;
  registerErrorHandling(server);
  if (conversations) registerAttachmentRoute(server, { conversations });
  registerHealth(server, {
    probe: (signal) => gateway.probe(signal),
    probeTimeoutMs: config.gateway.connectTimeoutMs,
    cacheMs: config.gateway.readyCacheMs,
  });
  if (auth) await server.register(async (scope) => registerRestAuth(scope, auth));
  await server.register(async (rest) => {
    // Only the REST shim keeps large base64 literals as bytes: GraphQL and tRPC read plain strings.
    requireAuthentication(rest, { authenticate });
    useLargeJsonBodies(rest, { bodyLimit: config.bodyLimitBytes });
    registerRestChat(rest, { service, heartbeatMs: config.heartbeatMs });
  });
  await registerGraphQL(server, {
    service,
    authenticate,
    auth,
    limits,
    graphiql: config.graphiql,
    graphiqlApiKey: options.graphiqlApiKey,
    introspection: config.introspection,
  });
  await registerTrpc(server, { service, authenticate, auth });
}
