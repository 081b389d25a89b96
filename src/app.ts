import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { AuthService } from './auth/auth-service.ts';
import { callerAuthenticator, openIdentity } from './auth/open-identity.ts';
import { type ConversationLayer, openConversationLayer } from './chat/conversation-layer.ts';
import { RunRegistry } from './chat/run-registry.ts';
import { ChatService } from './chat/service.ts';
import { openSharedRuns, type SharedRuns } from './chat/shared-runs.ts';
import type { Config } from './config/env.ts';
import { type AppGateway, gatewayLimits, openGateway } from './gateway/open-gateway.ts';
import type { Authenticate } from './http/auth.ts';
import { registerBodyTimeouts } from './http/body-timeouts.ts';
import { createServer } from './http/create-server.ts';
import { registerLifecycle } from './http/lifecycle.ts';
import { logAnsweredError } from './http/log-policy.ts';
import { registerStreamHeaders } from './http/stream-headers.ts';
import { registerSurfaces } from './http/surfaces.ts';
import { openLimiterBackend } from './limits/backends.ts';
import { ChatLimits } from './limits/chat-limits.ts';
import type { LimiterBackend } from './limits/limiter.ts';
import { SharedConcurrency } from './limits/shared-concurrency.ts';
import { instrumentGateway } from './metrics/instrument-gateway.ts';
import { Metrics } from './metrics/metrics.ts';
import { registerMetricsRoute, registerRequestMetrics, serveMetrics } from './metrics/routes.ts';
import { openModeration } from './moderation/create.ts';
import type { SessionStore } from './store/session-store.ts';
import type { UserStore } from './store/user-store.ts';

export type { AppGateway } from './gateway/open-gateway.ts';

export interface App {
  server: FastifyInstance;
  service: ChatService;
  runs: RunRegistry;
  authenticate: Authenticate;
  /** Absent with DATABASE_URL=none. */
  conversations: ConversationLayer | undefined;
  /** The gateway transport in use (the ws one exposes its connection's start-up outcome). */
  gateway: AppGateway;
  /** WeChat sign-in and its users (absent when not configured). */
  auth: AuthService | undefined;
  users: UserStore | undefined;
  sessions: SessionStore | undefined;
  /** Per-principal rate and quota (its counters live in `limiterBackend`). */
  limits: ChatLimits;
  limiterBackend: LimiterBackend;
  metrics: Metrics;
  /** METRICS_PORT's listener (loopback), when configured. */
  metricsServer: Server | undefined;
  /** REDIS_URL: the run log shared with the other instances. */
  shared: SharedRuns | undefined;
}

export interface AppOptions {
  /** Prefilled in GraphiQL's Headers tab: for `npm run demo`, whose key is no secret. */
  graphiqlApiKey?: string;
}

/** Builds the whole server (not listening): one chat service, every surface mounted on it. */
export async function buildApp(config: Config, gateway?: AppGateway, options: AppOptions = {}): Promise<App> {
  const server = createServer(config);
  const upstream = gateway ?? openGateway(config, server.log);
  const limits = gatewayLimits(config);
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
  const limiterBackend = await openLimiterBackend(
    conversations?.database,
    shared && config.redis && { redis: shared.redis, keyPrefix: config.redis.keyPrefix },
  );
  const identity = openIdentity(config, conversations?.database, limiterBackend, metrics);
  const chatLimits = new ChatLimits({
    backend: limiterBackend,
    defaults: config.quotas,
    maxActiveRunsPerUser: config.runs.maxActiveRunsPerUser,
    directory: identity?.directory,
    onRejected: (limiter) => metrics.limiterRejected(limiter),
    onError: (err) => server.log.error({ err }, "limits: recording a turn's tokens failed"),
  });
  // With Redis, runs in flight are counted across instances too (the registry still counts this one's).
  const admission = shared
    ? new SharedConcurrency(chatLimits, {
        slots: shared.slots,
        ceilings: config.runs,
        onRejected: (limiter) => metrics.limiterRejected(limiter),
        onError: (err) => server.log.warn({ err }, 'limits: Redis unreachable, runs in flight counted here only'),
      })
    : chatLimits;
  const service = new ChatService({
    admission,
    gateway: instrumentGateway(upstream, metrics, config.gateway.transport),
    runs,
    shared: shared?.log,
    onRunStarted: (run, stream) => metrics.runStarted(run, stream),
    onRunEvent: (run, event) => metrics.runEvent(run, event),
    limits,
    runTimeoutMs: config.runTimeoutMs,
    maxEventBytes: config.runMaxEventBytes,
    conversations,
    moderation: openModeration(config, server.log, conversations?.database),
    aiLabel: config.aiLabelText,
    onError: (error, run) =>
      logAnsweredError(run.log ?? server.log, error.code, error.message, error, { runId: run.id }),
  });
  const authenticate = callerAuthenticator(config, identity);
  const auth = identity?.auth;
  const metricsServer =
    config.metrics.port === undefined ? undefined : await serveMetrics(metrics, config.metrics.port);

  registerLifecycle(server, {
    draining: () => service.draining,
    stopping: () => {
      conversations?.journal.closing();
      runs.close();
    },
    closers: [
      () => (gateway ? undefined : upstream.close()),
      () => identity?.close(),
      () => limiterBackend.close(),
      () => shared?.close(),
      () => conversations?.close(),
      () => metricsServer?.close(),
    ],
  });
  registerStreamHeaders(server);
  registerBodyTimeouts(server, config.bodyTimeouts);
  registerRequestMetrics(server, metrics);
  if (config.metrics.token) registerMetricsRoute(server, metrics, config.metrics.token);
  await registerSurfaces(server, config, {
    service,
    authenticate,
    auth,
    conversations: conversations?.api,
    gateway: upstream,
    limits,
    graphiqlApiKey: options.graphiqlApiKey,
  });

  return {
    server,
    service,
    runs,
    authenticate,
    conversations,
    gateway: upstream,
    auth,
    users: identity?.directory.users,
    sessions: identity?.directory.sessions,
    limits: chatLimits,
    limiterBackend,
    metrics,
    metricsServer,
    shared,
  };
}
