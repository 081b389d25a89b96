import { randomBytes } from 'node:crypto';
import { connectRedis } from '../../src/redis/connection.ts';

export const redisUrl = process.env.TEST_REDIS_URL;
/** Why Redis suites are skipped here, or undefined when they run (`.ci/run` sets TEST_REDIS_URL). */
export const redisSkipReason = redisUrl ? undefined : 'TEST_REDIS_URL is not set';
export const redisTitle = (name: string) => (redisSkipReason ? `${name} (skipped: ${redisSkipReason})` : name);

/** A key prefix no other test run (or engineer sharing the server) uses. */
export const uniquePrefix = () => `minipro-t-${randomBytes(6).toString('hex')}:`;

/** Deletes every key under `prefix` (SCAN, not KEYS: the server is shared). */
export async function dropPrefix(prefix: string): Promise<void> {
  if (!redisUrl) return;
  const redis = connectRedis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
