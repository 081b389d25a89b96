import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Config, RedisConfig } from '../config/env.ts';
import { RunSlots } from '../limits/run-slots.ts';
import { connectRedis, type Redis, ready } from '../redis/connection.ts';
import { RedisRunLog } from './redis-run-log.ts';
import type { RunRegistry } from './run-registry.ts';

/** Approximate heap of the smallest event (Run's EVENT_OVERHEAD_BYTES): the run's byte cap bounds its event count. */
const MIN_EVENT_BYTES = 64;

export interface SharedRuns {
  log: RedisRunLog;
  redis: Redis;
  /** Runs in flight per principal and end user, counted across instances. */
  slots: RunSlots;
  instanceId: string;
  /** After this instance's runs ended: leases, subscriptions, connections (pending appends are flushed first). */
  close(): Promise<void>;
}

/** REDIS_URL: the run log every instance shares; runs its dead peers held are failed over at once. */
export async function openSharedRuns(
  config: Pick<Config, 'runs' | 'runTimeoutMs' | 'runMaxEventBytes'> & { redis: RedisConfig },
  runs: RunRegistry,
  log: FastifyBaseLogger,
  onLost: (runId: string) => void,
): Promise<SharedRuns> {
  const redis = connectRedis(config.redis.url, { autoPipelining: true });
  redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
  try {
    await ready(redis);
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  const instanceId = randomUUID();
  const runLog = await RedisRunLog.open({
    redis,
    keyPrefix: config.redis.keyPrefix,
    instanceId,
    leaseMs: config.redis.leaseMs,
    retentionMs: config.runs.retentionMs,
    runTimeoutMs: config.runTimeoutMs,
    maxEvents: Math.ceil(config.runMaxEventBytes / MIN_EVENT_BYTES) + 2,
    maxTails: config.redis.maxTails,
    localRun: (runId) => runs.find(runId),
    onError: (what, err) => log.error({ err }, `redis: ${what} failed`),
    onLost,
  });
  const slots = new RunSlots({
    redis,
    keyPrefix: config.redis.keyPrefix,
    leaseMs: config.redis.leaseMs,
    onError: (err) => log.error({ err }, 'redis: run slots failed'),
  });
  log.info({ instanceId, keyPrefix: config.redis.keyPrefix }, 'sharing runs through Redis');
  const lost = await runLog.reap();
  if (lost.length > 0) log.warn({ lost: lost.length }, 'runs held by instances that stopped marked interrupted');
  return {
    log: runLog,
    redis,
    slots,
    instanceId,
    async close() {
      slots.close();
      await runLog.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
