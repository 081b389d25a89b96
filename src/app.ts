import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { type ConversationLayer, openConversationLayer } from './chat/conversation-layer.ts';
import { RunRegistry } from './chat/run-registry.ts';
import { type ChatGateway, ChatService } from './chat/service.ts';
import { openSharedRuns, type SharedRuns } from './chat/shared-runs.ts';
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
import { instrumentGateway } from './metrics/instrument-gateway.ts';
import { Metrics } from './metrics/metrics.ts';
import { registerMetricsRoute, registerRequestMetrics, serveMetrics } from './metrics/routes.ts';
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
  /** The gateway transport in use (the ws one exposes its connection's start-up outcome). */
  gateway: AppGateway;
  metrics: Metrics;
  /** METRICS_PORT's listener (loopback), when configured. */
  metricsServer: Server | undefined;
  /** REDIS_URL: the run log shared with the other instances. */
  shared: SharedRuns | undefined;
}

/** One log line per request (at completion, with status and time), not two. */
class CompletionLogs extends LogController {
  override incomingRequest(): void {}
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface AppOptions {
  /** Prefilled in GraphiQL's Headers tab: for `npm run demo`, whose key is no secret. */
  graphiqlApiKey?: string;
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
  const metrics = new Metrics();
  const runs = new RunRegistry({ ...config.runs, onRejected: (limiter) => metrics.limiterRejected(limiter) });
  const conversations =
    config.store.databaseUrl === 'none'
      ? undefined
      : await openConversationLayer(config.store, server.log, { recoverRunning: !config.redis });
  const shared = config.redis
    ? await openSharedRuns({ ...config, redis: config.redis }, runs, server.log, (runId) => {
        conversations?.journal.interrupt(runId).catch(() => {});
      })
    : undefined;
  const service = new ChatService({
    gateway: instrumentGateway(upstream, metrics, config.gateway.transport),
    runs,
    shared: shared?.log,
    onRunStarted: (run, stream) => metrics.runStarted(run, stream),
    onRunEvent: (run, event) => metrics.runEvent(run, event),
    limits,
    runTimeoutMs: config.runTimeoutMs,
    maxEventBytes: config.runMaxEventBytes,
    conversations,
    onError: (error, run) =>
      logAnsweredError(run.log ?? server.log, error.code, error.message, error, { runId: run.id }),
  });
  const authenticate = createAuthenticator(config.apiKeys);

  const metricsServer =
    config.metrics.port === undefined ? undefined : await serveMetrics(metrics, config.metrics.port);

  server.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Draining: the proxy drops this connection after the answer and sends the next request to another instance.
    if (service.draining) reply.header('connection', 'close');
  });
  registerStreamHeaders(server);
  registerBodyTimeouts(server, config.bodyTimeouts);
  server.addHook('preClose', async () => {
    conversations?.journal.closing();
    runs.close();
  });
  server.addHook('onClose', async () => {
    if (!gateway) await upstream.close();
    await shared?.close();
    await conversations?.close();
    metricsServer?.close();
  });
  registerRequestMetrics(server, metrics);
  if (config.metrics.token) registerMetricsRoute(server, metrics, config.metrics.token);

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

  return { server, service, runs, authenticate, conversations, gateway: upstream, metrics, metricsServer, shared };
}
