import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { type ConversationLayer, openConversationLayer } from './chat/conversation-layer.ts';
import { RunRegistry } from './chat/run-registry.ts';
import { type ChatGateway, ChatService } from './chat/service.ts';
import type { Config } from './config/env.ts';
import { GatewayClient, type ReadyState } from './gateway/client.ts';
import { createWsGateway } from './gateway/ws/create.ts';
import { effectiveLimits } from './gateway/ws/limits.ts';
import { registerGraphQL } from './graphql/routes.ts';
import { registerAttachmentRoute } from './http/attachment-route.ts';
import { type Authenticate, createAuthenticator, requireAuthentication } from './http/auth.ts';
import { registerBodyTimeouts } from './http/body-timeouts.ts';
import { registerErrorHandling } from './http/errors.ts';
import { registerHealth } from './http/health.ts';
import { useLargeJsonBodies } from './http/json-body.ts';
import { logAnsweredError } from './http/log-policy.ts';
import { registerStreamHeaders } from './http/stream-headers.ts';
import { createModeration } from './moderation/create.ts';
import { registerRestChat } from './rest/chat-route.ts';
import { WechatTokenStore } from './store/wechat-token-store.ts';
import { registerTrpc } from './trpc/plugin.ts';

export interface AppGateway extends ChatGateway {
  probe(signal: AbortSignal): Promise<ReadyState>;
  close(): Promise<void>;
}

export interface App {
  server: FastifyInstance;
  service: ChatService;
  runs: RunRegistry;
  authenticate: Authenticate;
  /** Absent with DATABASE_URL=none. */
  conversations: ConversationLayer | undefined;
  /** The gateway transport in use (the ws one exposes its connection's start-up outcome). */
  gateway: AppGateway;
}

/** One log line per request (at completion, with status and time), not two. */
class CompletionLogs extends LogController {
  override incomingRequest(): void {}
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface AppOptions {
  /** Prefilled in GraphiQL's Headers tab: for `npm run demo`, whose key is no secret. */
  graphiqlApiKey?: string;
  /** Replaces the API-key check (tests: principals with a WeChat openid, until sign-in provides them). */
  authenticate?: Authenticate;
}

/** Builds the whole server (not listening): one chat service, every surface mounted on it. */
export async function buildApp(config: Config, gateway?: AppGateway, options: AppOptions = {}): Promise<App> {
  const server = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
    },
    bodyLimit: config.bodyLimitBytes,
    // Node's own ceiling on receiving a request (headers and body); registerBodyTimeouts answers first, typed.
    requestTimeout: config.bodyTimeouts.totalMs + 60_000,
    trustProxy: config.trustProxy,
    logController: new CompletionLogs(),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ...(config.tls ? { https: config.tls } : {}),
  }) as unknown as FastifyInstance;

  const upstream =
    gateway ??
    (config.gateway.transport === 'ws'
      ? createWsGateway(config, server.log)
      : new GatewayClient({ ...config.gateway, runTimeoutMs: config.runTimeoutMs }));
  // The active transport's effective limits: what validation enforces and what the `limits` query reports.
  const limits = config.gateway.transport === 'ws' ? effectiveLimits(config.limits) : config.limits;
  const runs = new RunRegistry(config.runs);
  const conversations =
    config.store.databaseUrl === 'none' ? undefined : await openConversationLayer(config.store, server.log);
  const moderation = createModeration(
    config,
    server.log,
    conversations ? new WechatTokenStore(conversations.database) : undefined,
  );
  if (moderation) {
    server.log.info(
      { scene: config.moderation.scene, review: config.moderation.review, fail: config.moderation.fail },
      'MODERATION=wechat: user turns and answers of signed-in WeChat users are checked; API-key callers are not',
    );
  }
  const service = new ChatService({
    gateway: upstream,
    runs,
    limits,
    runTimeoutMs: config.runTimeoutMs,
    maxEventBytes: config.runMaxEventBytes,
    conversations,
    moderation,
    aiLabel: config.aiLabelText,
    onError: (error, run) =>
      logAnsweredError(run.log ?? server.log, error.code, error.message, error, { runId: run.id }),
  });
  const authenticate = options.authenticate ?? createAuthenticator(config.apiKeys);

  server.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerStreamHeaders(server);
  registerBodyTimeouts(server, config.bodyTimeouts);
  server.addHook('preClose', async () => {
    conversations?.journal.closing();
    runs.close();
  });
  server.addHook('onClose', async () => {
    if (!gateway) await upstream.close();
    await conversations?.close();
  });

  registerErrorHandling(server);
  if (conversations) registerAttachmentRoute(server, { conversations: conversations.api });
  registerHealth(server, {
    probe: (signal) => upstream.probe(signal),
    probeTimeoutMs: config.gateway.connectTimeoutMs,
    cacheMs: config.gateway.readyCacheMs,
  });
  await server.register(async (rest) => {
    // Only the REST shim keeps large base64 literals as bytes: GraphQL and tRPC read plain strings.
    requireAuthentication(rest, { authenticate });
    useLargeJsonBodies(rest, { bodyLimit: config.bodyLimitBytes });
    registerRestChat(rest, { service, heartbeatMs: config.heartbeatMs });
  });
  await registerGraphQL(server, {
    service,
    authenticate,
    limits,
    graphiql: config.graphiql,
    graphiqlApiKey: options.graphiqlApiKey,
    introspection: config.introspection,
  });
  await registerTrpc(server, { service, authenticate });

  return { server, service, runs, authenticate, conversations, gateway: upstream };
}
