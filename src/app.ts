import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { type ConversationLayer, openConversationLayer } from './chat/conversation-layer.ts';
import { RunRegistry } from './chat/run-registry.ts';
import { type ChatGateway, ChatService } from './chat/service.ts';
import type { Config } from './config/env.ts';
import { GatewayClient, type ReadyState } from './gateway/client.ts';
import { registerGraphQL } from './graphql/handler.ts';
import { registerAttachmentRoute } from './http/attachment-route.ts';
import { type Authenticate, createAuthenticator } from './http/auth.ts';
import { registerErrorHandling } from './http/errors.ts';
import { registerHealth } from './http/health.ts';
import { useLargeJsonBodies } from './http/json-body.ts';
import { registerRestChat } from './rest/chat-route.ts';
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
}

/** One log line per request (at completion, with status and time), not two. */
class CompletionLogs extends LogController {
  override incomingRequest(): void {}
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface BuildOptions {
  /** GraphQL's and tRPC's lean paths for single JSON calls; off only to compare them with the libraries' own. */
  fastPaths?: boolean;
}

/** Builds the whole server (not listening): one chat service, every surface mounted on it. */
export async function buildApp(config: Config, gateway?: AppGateway, options: BuildOptions = {}): Promise<App> {
  const server = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
    },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    logController: new CompletionLogs(),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ...(config.tls ? { https: config.tls } : {}),
  }) as unknown as FastifyInstance;

  const upstream = gateway ?? new GatewayClient({ ...config.gateway, runTimeoutMs: config.runTimeoutMs });
  const runs = new RunRegistry(config.runs);
  const conversations =
    config.store.databaseUrl === 'none' ? undefined : await openConversationLayer(config.store, server.log);
  const service = new ChatService({
    gateway: upstream,
    runs,
    limits: config.limits,
    runTimeoutMs: config.runTimeoutMs,
    conversations,
    onError: (error, run) => {
      const level = error.code === 'INTERNAL' ? 'error' : 'warn';
      server.log[level]({ runId: run.id, code: error.code, err: error.cause ?? error }, error.message);
    },
  });
  const authenticate = createAuthenticator(config.apiKeys);

  server.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Event streams (tRPC and GraphQL SSE) must pass nginx unbuffered and uncompressed.
    if (request.headers.accept?.includes('text/event-stream')) {
      reply.raw.setHeader('x-accel-buffering', 'no');
      reply.raw.setHeader('cache-control', 'no-cache, no-transform');
    }
  });
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
  });
  await server.register(async (rest) => {
    // Only the REST shim keeps large base64 literals as bytes: GraphQL and tRPC read plain strings.
    useLargeJsonBodies(rest, { bodyLimit: config.bodyLimitBytes });
    registerRestChat(rest, { service, authenticate, heartbeatMs: config.heartbeatMs });
  });
  await registerGraphQL(server, {
    service,
    authenticate,
    limits: config.limits,
    graphiql: config.graphiql,
    introspection: config.introspection,
    fastPath: options.fastPaths,
  });
  await registerTrpc(server, { service, authenticate, fastPath: options.fastPaths });

  return { server, service, runs, authenticate, conversations };
}
