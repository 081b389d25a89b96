import { Redis } from 'ioredis';

export type { Redis };

export interface RedisConnectOptions {
  /** Commands issued in the same tick share one round trip: every relayed delta is one XADD. */
  autoPipelining?: boolean;
}

/**
 * A connection that fails fast instead of queueing forever while Redis is away: a command waits at most for one
 * reconnect attempt, so a caller gets an error (typed upstream) rather than a hang.
 */
export function connectRedis(url: string, options: RedisConnectOptions = {}): Redis {
  return new Redis(url, {
    enableAutoPipelining: options.autoPipelining ?? false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}

/** Resolves once the connection is usable (boot fails clearly when REDIS_URL points nowhere). */
export async function ready(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`Redis not reachable within ${timeoutMs} ms`)), timeoutMs);
    const onReady = () => done();
    const done = (error?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      if (error) reject(error);
      else resolve();
    };
    redis.on('ready', onReady);
  });
}
