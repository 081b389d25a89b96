import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Redis } from '../redis/connection.ts';
import type { LimiterBackend } from './limiter.ts';

export interface RedisBackendOptions {
  /** The instance's command connection (src/redis/connection.ts). */
  redis: Redis;
  /** REDIS_KEY_PREFIX: counters live in `<prefix>limit:<name>:<key>`. */
  keyPrefix: string;
}

/**
 * REDIS_URL: every instance counts in the same Redis keys (one atomic INCRBY + expiry per call, the library's own
 * script). While Redis is unreachable the library's insurance limiter counts in this process instead, so turns and
 * sign-ins go on limited per instance rather than failing.
 */
export function redisBackend(options: RedisBackendOptions): LimiterBackend {
  return {
    name: 'redis',
    create: (spec) =>
      new RateLimiterRedis({
        storeClient: options.redis,
        rejectIfRedisNotReady: true,
        keyPrefix: `${options.keyPrefix}limit:${spec.keyPrefix}`,
        points: spec.points,
        duration: spec.durationSeconds,
        insuranceLimiter: new RateLimiterMemory({
          keyPrefix: spec.keyPrefix,
          points: spec.points,
          duration: spec.durationSeconds,
        }),
      }),
    // The connection belongs to the shared runs (closed with them).
    close: async () => {},
  };
}
