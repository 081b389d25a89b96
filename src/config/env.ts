import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MiB } from '../contract/limits.ts';
import { FIXED_LIMITS } from './fixed-limits.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const keyList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  )
  .refine((keys) => keys.every((k) => k.length >= 16), 'every API key must be at least 16 characters');

/** Every setting, with its default. The README's configuration table mirrors this schema. */
export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(12626),
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  TRUST_PROXY: bool.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  OPENCLAW_GATEWAY_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('http://127.0.0.1:18789'),
  OPENCLAW_GATEWAY_TOKEN: z.string().min(1).optional(),
  OPENCLAW_TRANSPORT: z.enum(['ws', 'http'], { error: 'must be ws or http' }).optional(),
  OPENCLAW_WS_RECOVERY_TIMEOUT_MS: int(100).default(30_000),
  OPENCLAW_WS_REQUEST_TIMEOUT_MS: int(100).default(30_000),
  OPENCLAW_DEVICE_IDENTITY_FILE: z.string().min(1).default('.openclaw/device.json'),
  OPENCLAW_MEDIA_MAX_BYTES: int(1024).default(20 * MiB),
  OPENCLAW_MEDIA_TIMEOUT_MS: int(100).default(30_000),
  OPENCLAW_MEDIA_WAIT_MS: int(0).default(3_000),

  API_KEYS: keyList.optional(),
  API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  OPENCLAW_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  ALLOW_ANONYMOUS: bool.default(false),

  WECHAT_APPID: z
    .string()
    .regex(/^[\w-]{1,64}$/, 'must be the mini-program AppID (e.g. wx0123456789abcdef)')
    .optional(),
  WECHAT_SECRET: z.string().min(8, 'must be the AppSecret from mp.weixin.qq.com').optional(),
  WECHAT_API_BASE: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://api.weixin.qq.com'),
  WECHAT_TIMEOUT_MS: int(100, 60_000).default(5_000),
  AUTH_SECRET: z
    .string()
    .refine((v) => Buffer.byteLength(v) >= 32, 'must be at least 32 bytes (e.g. openssl rand -base64 48)')
    .optional(),
  AUTH_ACCESS_TTL_S: int(60, 86_400).default(7_200),
  AUTH_REFRESH_TTL_S: int(300, 365 * 86_400).default(30 * 86_400),
  AUTH_RATE_LIMIT_PER_MINUTE: int(1).default(30),
  AUTH_CACHE_TTL_MS: int(0, 60_000).default(2_000),
  ACCESS_POLICY: z
    .enum(['approval', 'allowlist', 'open'], { error: 'must be approval, allowlist or open' })
    .default('approval'),
  ALLOWED_OPENIDS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .optional(),
  RATE_LIMIT_PER_MINUTE: int(1).default(20),
  QUOTA_TOKENS_PER_DAY: int(0).default(0),

  BODY_LIMIT_BYTES: int(1024).default(21 * MiB),
  BODY_IDLE_TIMEOUT_MS: int(100).default(30_000),
  BODY_TIMEOUT_MS: int(100).default(300_000),
  MAX_IMAGE_BYTES: int(1).default(10 * MiB),
  MAX_FILE_BYTES: int(1).default(5 * MiB),
  MAX_IMAGES: int(0, 64).default(8),
  MAX_FILES: int(0, 64).default(4),

  UPSTREAM_CONNECTIONS: int(1, 65_535).default(512),
  UPSTREAM_CONNECT_TIMEOUT_MS: int(100).default(5_000),
  UPSTREAM_HEADERS_TIMEOUT_MS: int(100).default(30_000),
  UPSTREAM_IDLE_TIMEOUT_MS: int(100).default(120_000),
  UPSTREAM_MAX_ANSWER_BYTES: int(1024).default(4 * MiB),
  UPSTREAM_MAX_ERROR_BODY_BYTES: int(1024).default(64 * 1024),
  UPSTREAM_MAX_SSE_EVENT_BYTES: int(1024).default(12 * MiB),
  READY_CACHE_MS: int(0).default(2_000),
  RUN_TIMEOUT_MS: int(1_000).default(600_000),
  HEARTBEAT_MS: int(100).default(15_000),
  RUN_RETENTION_MS: int(1_000).default(300_000),
  RUN_MAX_RETAINED_BYTES: int(1024).default(64 * MiB),
  MAX_ACTIVE_RUNS_PER_KEY: int(1).default(256),
  MAX_ACTIVE_RUNS_PER_USER: int(1).default(3),
  RUN_MAX_EVENT_BYTES: int(1024).default(32 * MiB),

  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+|none)$/, 'must be sqlite:<path>, sqlite::memory:, postgres://… or none')
    .default('sqlite:./data/minipro.sqlite'),
  DATABASE_POOL_SIZE: int(1, 1_000).default(10),
  STORE_PARTIAL_SAVE_MS: int(100).default(5_000),
  STORE_COMMIT_WINDOW_MS: int(0, 1_000).default(20),
  ATTACHMENT_URL_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ATTACHMENT_URL_TTL_S: int(10, 86_400).default(600),
  ATTACHMENT_RETENTION_DAYS: int(0).default(90),
  ATTACHMENT_MAX_BYTES_PER_OWNER: int(0).default(256 * MiB),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),

  GRAPHIQL: bool.optional(),
  GRAPHQL_INTROSPECTION: bool.optional(),

  MODERATION: z.enum(['off', 'wechat'], { error: 'must be off or wechat' }).default('off'),
  MODERATION_SCENE: int(1, 4).default(2),
  MODERATION_REVIEW: z.enum(['allow', 'refuse'], { error: 'must be allow or refuse' }).default('allow'),
  MODERATION_FAIL: z.enum(['open', 'closed'], { error: 'must be open or closed' }).optional(),
  MODERATION_STREAM_CHARS: int(50, 2500).default(500),
  AI_LABEL_TEXT: z.string().min(1).max(64).default('内容由AI生成'),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ : . -')
    .default('minipro:'),
  REDIS_MAX_TAILS: int(1, 100_000).default(1_024),
  RUN_LEASE_MS: int(1_000).default(15_000),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  METRICS_PORT: int(0, 65535).optional(),
  SHUTDOWN_GRACE_MS: int(0).default(30_000),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  tls: { cert: Buffer; key: Buffer } | undefined;
  trustProxy: boolean;
  logLevel: string;
  gateway: {
    url: string;
    token: string | undefined;
    /** Sockets to the gateway; every open stream holds one (HTTP/1.1). */
    connections: number;
    connectTimeoutMs: number;
    streamHeadersTimeoutMs: number;
    idleTimeoutMs: number;
    /** Answer text, streamed or not (UTF-8 bytes). */
    maxAnswerBytes: number;
    /** What is read of a non-2xx body. */
    maxErrorBodyBytes: number;
    /** One JSON document from the gateway: an SSE event, or a non-streaming body. */
    maxSseEventBytes: number;
    readyCacheMs: number;
    /** `ws`: the gateway's WebSocket protocol (chat.send); `http`: its OpenAI-compatible endpoints. */
    transport: 'ws' | 'http';
    /** ws: how long a run waits for the connection to come back after a drop before it is reported lost. */
    wsRecoveryTimeoutMs: number;
    /** ws: one RPC (chat.send ack, chat.abort, agent.wait, chat.history). */
    wsRequestTimeoutMs: number;
    /** ws off loopback: the persistent device identity (its device token is stored beside it). */
    deviceIdentityFile: string;
    /** ws: generated images/files. Per artifact: bytes and download time; after the final: wait for them. */
    media: { maxBytes: number; timeoutMs: number; waitMs: number };
  };
  apiKeys: string[];
  allowAnonymous: boolean;
  /** WeChat sign-in; absent when WECHAT_APPID/WECHAT_SECRET are unset. */
  wechat: WechatConfig | undefined;
  access: AccessConfig;
  /** Per principal (user or key); per-user overrides from the admin command win. */
  quotas: QuotaConfig;
  bodyLimitBytes: number;
  /** Receiving a request body: longest silence between chunks, and longest overall. */
  bodyTimeouts: { idleMs: number; totalMs: number };
  limits: {
    maxImageBytes: number;
    maxFileBytes: number;
    maxImages: number;
    maxFiles: number;
    maxUpstreamBodyBytes: number;
  };
  runTimeoutMs: number;
  heartbeatMs: number;
  runs: {
    retentionMs: number;
    maxRetainedBytes: number;
    maxActiveRunsPerPrincipal: number;
    maxActiveRunsPerUser: number;
  };
  /** Cap on one run's event log (deltas and result), in approximate bytes held. */
  runMaxEventBytes: number;
  store: StoreConfig;
  graphiql: boolean;
  introspection: boolean;
  moderation: ModerationConfig;
  /** The explicit label every assistant message and result carries (WeChat's AI-content rule). */
  aiLabelText: string;
  /** Several instances: runs' event logs, cancels and leases in Redis. Absent: one instance, runs in memory. */
  redis: RedisConfig | undefined;
  /** GET /metrics: on the main port behind `token`, and/or unauthenticated on loopback `port`. */
  metrics: { token: string | undefined; port: number | undefined };
  /** SIGTERM: how long running answers may finish before they are cut (interrupted). */
  shutdownGraceMs: number;
}

export type FailMode = 'open' | 'closed';

export interface ModerationConfig {
  provider: 'off' | 'wechat';
  scene: number;
  review: 'allow' | 'refuse';
  /** When the provider itself fails: per direction (the user's turn, the assistant's answer). */
  fail: { input: FailMode; output: FailMode };
  /** A streaming answer is checked each time this many new characters arrived. */
  streamChars: number;
}

export interface WechatConfig {
  appId: string;
  secret: string;
  apiBase: string;
  timeoutMs: number;
  /** HMAC key of access tokens (HS256). */
  authSecret: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  signInPerMinute: number;
}

export interface AccessConfig {
  policy: 'approval' | 'allowlist' | 'open';
  allowedOpenids: string[];
  /** How long a user's status and limit overrides are cached: how soon an admin change takes effect. */
  cacheTtlMs: number;
}

export interface QuotaConfig {
  requestsPerMinute: number;
  /** 0: no daily quota. */
  tokensPerDay: number;
}

export interface RedisConfig {
  url: string;
  keyPrefix: string;
  /** An instance that stops renewing its lease this long is dead: its runs fail over as interrupted. */
  leaseMs: number;
  /** Blocking Redis connections for subscribers of runs held by other instances. */
  maxTails: number;
}

export interface StoreConfig {
  databaseUrl: string;
  poolSize: number;
  partialSaveMs: number;
  /** Writes queued within this long of each other share one commit. */
  commitWindowMs: number;
  attachments: {
    /** Random per process when unset: links then die with it (they are minted fresh on every read anyway). */
    urlSecret: string | undefined;
    urlTtlSeconds: number;
    /** 0 keeps attachments as long as their conversation. */
    retentionMs: number;
    maxBytesPerOwner: number;
    publicBaseUrl: string;
  };
}

/** Loopback gateways accept the token alone over ws; anything else needs device pairing first. */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; a bad value throws a ConfigError naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const apiKeys = [
    ...new Set([...(env.API_KEYS ?? []), env.API_KEY, env.OPENCLAW_API_KEY].filter((k) => k !== undefined)),
  ];
  const wechat = wechatConfig(env);
  if (apiKeys.length === 0 && !wechat && !env.ALLOW_ANONYMOUS) {
    throw new ConfigError(
      'Invalid configuration:\n  API_KEYS: no API key configured; set API_KEYS (or API_KEY), configure WeChat sign-in (WECHAT_APPID, WECHAT_SECRET, AUTH_SECRET), or ALLOW_ANONYMOUS=true to serve without authentication',
    );
  }
  if (wechat && env.DATABASE_URL === 'none') {
    throw new ConfigError(
      'Invalid configuration:\n  DATABASE_URL: WeChat sign-in keeps users and sessions in the store; it cannot be none',
    );
  }
  // `response.completed` carries the whole answer in one event: a smaller event cap would refuse legal answers.
  if (env.UPSTREAM_MAX_SSE_EVENT_BYTES <= env.UPSTREAM_MAX_ANSWER_BYTES) {
    throw new ConfigError(
      'Invalid configuration:\n  UPSTREAM_MAX_SSE_EVENT_BYTES: must be above UPSTREAM_MAX_ANSWER_BYTES (3x it leaves room for JSON escaping)',
    );
  }
  if (Boolean(env.TLS_CERT_FILE) !== Boolean(env.TLS_KEY_FILE)) {
    throw new ConfigError('Invalid configuration:\n  TLS_CERT_FILE/TLS_KEY_FILE: set both or neither');
  }
  const readTls = (name: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError(`Invalid configuration:\n  ${name}: cannot read ${path} (${(error as Error).message})`);
    }
  };
  if (env.MODERATION === 'wechat' && !wechat) {
    throw new ConfigError(
      "Invalid configuration:\n  WECHAT_APPID/WECHAT_SECRET: MODERATION=wechat needs the mini-program's appid and secret",
    );
  }
  const production = env.NODE_ENV === 'production';
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    tls:
      env.TLS_CERT_FILE && env.TLS_KEY_FILE
        ? { cert: readTls('TLS_CERT_FILE', env.TLS_CERT_FILE), key: readTls('TLS_KEY_FILE', env.TLS_KEY_FILE) }
        : undefined,
    trustProxy: env.TRUST_PROXY,
    logLevel: env.LOG_LEVEL,
    gateway: {
      url: env.OPENCLAW_GATEWAY_URL,
      token: env.OPENCLAW_GATEWAY_TOKEN,
      connections: env.UPSTREAM_CONNECTIONS,
      connectTimeoutMs: env.UPSTREAM_CONNECT_TIMEOUT_MS,
      streamHeadersTimeoutMs: env.UPSTREAM_HEADERS_TIMEOUT_MS,
      idleTimeoutMs: env.UPSTREAM_IDLE_TIMEOUT_MS,
      maxAnswerBytes: env.UPSTREAM_MAX_ANSWER_BYTES,
      maxErrorBodyBytes: env.UPSTREAM_MAX_ERROR_BODY_BYTES,
      maxSseEventBytes: env.UPSTREAM_MAX_SSE_EVENT_BYTES,
      readyCacheMs: env.READY_CACHE_MS,
      transport: env.OPENCLAW_TRANSPORT ?? (isLoopbackUrl(env.OPENCLAW_GATEWAY_URL) ? 'ws' : 'http'),
      wsRecoveryTimeoutMs: env.OPENCLAW_WS_RECOVERY_TIMEOUT_MS,
      wsRequestTimeoutMs: env.OPENCLAW_WS_REQUEST_TIMEOUT_MS,
      deviceIdentityFile: env.OPENCLAW_DEVICE_IDENTITY_FILE,
      media: {
        maxBytes: env.OPENCLAW_MEDIA_MAX_BYTES,
        timeoutMs: env.OPENCLAW_MEDIA_TIMEOUT_MS,
        waitMs: env.OPENCLAW_MEDIA_WAIT_MS,
      },
    },
    apiKeys,
    allowAnonymous: apiKeys.length === 0 && !wechat,
    wechat,
    access: {
      policy: env.ACCESS_POLICY,
      allowedOpenids: env.ALLOWED_OPENIDS ?? [],
      cacheTtlMs: env.AUTH_CACHE_TTL_MS,
    },
    quotas: { requestsPerMinute: env.RATE_LIMIT_PER_MINUTE, tokensPerDay: env.QUOTA_TOKENS_PER_DAY },
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    bodyTimeouts: { idleMs: env.BODY_IDLE_TIMEOUT_MS, totalMs: env.BODY_TIMEOUT_MS },
    limits: {
      maxImageBytes: env.MAX_IMAGE_BYTES,
      maxFileBytes: env.MAX_FILE_BYTES,
      maxImages: env.MAX_IMAGES,
      maxFiles: env.MAX_FILES,
      maxUpstreamBodyBytes: FIXED_LIMITS.gatewayMaxBodyBytes,
    },
    runTimeoutMs: env.RUN_TIMEOUT_MS,
    heartbeatMs: env.HEARTBEAT_MS,
    runs: {
      retentionMs: env.RUN_RETENTION_MS,
      maxRetainedBytes: env.RUN_MAX_RETAINED_BYTES,
      maxActiveRunsPerPrincipal: env.MAX_ACTIVE_RUNS_PER_KEY,
      maxActiveRunsPerUser: env.MAX_ACTIVE_RUNS_PER_USER,
    },
    runMaxEventBytes: env.RUN_MAX_EVENT_BYTES,
    store: {
      databaseUrl: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      partialSaveMs: env.STORE_PARTIAL_SAVE_MS,
      commitWindowMs: env.STORE_COMMIT_WINDOW_MS,
      attachments: {
        urlSecret: env.ATTACHMENT_URL_SECRET,
        urlTtlSeconds: env.ATTACHMENT_URL_TTL_S,
        retentionMs: env.ATTACHMENT_RETENTION_DAYS * 86_400_000,
        maxBytesPerOwner: env.ATTACHMENT_MAX_BYTES_PER_OWNER,
        publicBaseUrl: env.PUBLIC_BASE_URL ?? '',
      },
    },
    graphiql: env.GRAPHIQL ?? !production,
    introspection: env.GRAPHQL_INTROSPECTION ?? !production,
    moderation: {
      provider: env.MODERATION,
      scene: env.MODERATION_SCENE,
      review: env.MODERATION_REVIEW,
      // Unset: a user's turn is refused when it cannot be checked; an answer already on screen is let through.
      fail: { input: env.MODERATION_FAIL ?? 'closed', output: env.MODERATION_FAIL ?? 'open' },
      streamChars: env.MODERATION_STREAM_CHARS,
    },
    aiLabelText: env.AI_LABEL_TEXT,
    redis: env.REDIS_URL
      ? {
          url: env.REDIS_URL,
          keyPrefix: env.REDIS_KEY_PREFIX,
          leaseMs: env.RUN_LEASE_MS,
          maxTails: env.REDIS_MAX_TAILS,
        }
      : undefined,
    metrics: { token: env.METRICS_TOKEN, port: env.METRICS_PORT },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
  };
}

/** WeChat sign-in needs the app's ID and secret together, and then a session-signing secret. */
function wechatConfig(env: z.infer<typeof EnvSchema>): WechatConfig | undefined {
  if (!env.WECHAT_APPID && !env.WECHAT_SECRET) return undefined;
  if (!env.WECHAT_APPID || !env.WECHAT_SECRET) {
    throw new ConfigError('Invalid configuration:\n  WECHAT_APPID/WECHAT_SECRET: set both or neither');
  }
  if (!env.AUTH_SECRET) {
    throw new ConfigError(
      'Invalid configuration:\n  AUTH_SECRET: required with WeChat sign-in (at least 32 bytes, e.g. openssl rand -base64 48); it signs the session tokens',
    );
  }
  return {
    appId: env.WECHAT_APPID,
    secret: env.WECHAT_SECRET,
    apiBase: env.WECHAT_API_BASE,
    timeoutMs: env.WECHAT_TIMEOUT_MS,
    authSecret: env.AUTH_SECRET,
    accessTtlSeconds: env.AUTH_ACCESS_TTL_S,
    refreshTtlSeconds: env.AUTH_REFRESH_TTL_S,
    signInPerMinute: env.AUTH_RATE_LIMIT_PER_MINUTE,
  };
}
