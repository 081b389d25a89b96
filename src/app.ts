import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { AuthService } from './auth/auth-service.ts';
import { createCallerAuthenticator } from './auth/authenticator.ts';
import { createAccessTokens } from './auth/tokens.ts';
import { UserDirectory } from './auth/user-directory.ts';
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
import { type Authenticate, requireAuthentication } from './http/auth.ts';
import { registerBodyTimeouts } from './http/body-timeouts.ts';
import { registerErrorHandling } from './http/errors.ts';
import { registerHealth } from './http/health.ts';
import { useLargeJsonBodies } from './http/json-body.ts';
import { logAnsweredError } from './http/log-policy.ts';
import { registerStreamHeaders } from './http/stream-headers.ts';
import { openLimiterBackend } from './limits/backends.ts';
import { ChatLimits } from './limits/chat-limits.ts';
import { Counter, type LimiterBackend } from './limits/limiter.ts';
import { SharedConcurrency } from './limits/shared-concurrency.ts';
import { instrumentGateway } from './metrics/instrument-gateway.ts';
import { Metrics } from './metrics/metrics.ts';
import { registerMetricsRoute, registerRequestMetrics, serveMetrics } from './metrics/routes.ts';
import { createModeration } from './moderation/create.ts';
import { registerRestAuth } from './rest/auth-route.ts';
import { registerRestChat } from './rest/chat-route.ts';
import { SessionStore } from './store/session-store.ts';
import { UserStore } from './store/user-store.ts';
import { WechatTokenStore } from './store/wechat-token-store.ts';
import { registerTrpc } from './trpc/plugin.ts';
import { createCode2Session } from './wechat/code2session.ts';

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
  const identity =
    config.wechat && conversations ? openIdentity(config, conversations, limiterBackend, metrics) : undefined;
  const chatLimits = new ChatLimits({
    backend: limiterBackend,
    defaults: config.quotas,
    maxActiveRunsPerUser: config.runs.maxActiveRunsPerUser,
    directory: identity?.directory,
    onRejected: (limiter) => metrics.limiterRejected(limiter),
    onError: (err) => server.log.error({ err }, "limits: recording a turn's tokens failed"),
  });
  const admission = shared
    ? new SharedConcurrency(chatLimits, {
        slots: shared.slots,
        ceilings: config.runs,
        onRejected: (limiter) => metrics.limiterRejected(limiter),
        onError: (err) => server.log.warn({ err }, 'limits: Redis unreachable, runs in flight counted here only'),
      })
    : chatLimits;
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
    moderation,
    aiLabel: config.aiLabelText,
    onError: (error, run) =>
      logAnsweredError(run.log ?? server.log, error.code, error.message, error, { runId: run.id }),
  });
  const authenticate =
    options.authenticate ??
    createCallerAuthenticator({
      apiKeys: config.apiKeys,
      allowAnonymous: config.allowAnonymous,
      ...(identity ? { sessions: { tokens: identity.tokens, directory: identity.directory } } : {}),
    });
  const auth = identity?.auth;

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
    await identity?.close();
    await limiterBackend.close();
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

/** WeChat sign-in over the store: users, sessions, tokens, the code2Session client. */
function openIdentity(config: Config, conversations: ConversationLayer, backend: LimiterBackend, metrics: Metrics) {
  const wechat = config.wechat;
  if (!wechat) throw new Error('WeChat sign-in is not configured');
  const directory = new UserDirectory(
    new UserStore(conversations.database),
    new SessionStore(conversations.database),
    config.access,
  );
  const tokens = createAccessTokens(wechat.authSecret, wechat.accessTtlSeconds);
  const code2Session = createCode2Session(wechat);
  const auth = new AuthService({
    code2Session,
    directory,
    tokens,
    accessTtlSeconds: wechat.accessTtlSeconds,
    refreshTtlSeconds: wechat.refreshTtlSeconds,
    signInLimit: {
      counter: new Counter(backend, 'signin', 60),
      perMinute: wechat.signInPerMinute,
      onRejected: () => metrics.limiterRejected('signin_per_minute'),
    },
  });
  // Ended session families (and their refresh-token hashes, by cascade) are deleted hourly.
  const sweeper = setInterval(() => {
    directory.sessions.sweepExpired().catch(() => {});
  }, 3_600_000);
  sweeper.unref();
  return {
    directory,
    tokens,
    auth,
    async close() {
      clearInterval(sweeper);
      await code2Session.close();
    },
  };
}
