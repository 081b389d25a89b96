import { randomUUID } from 'node:crypto';
import type { Redis } from '../redis/connection.ts';

/**
 * KEYS: the sorted sets to take a slot in; ARGV: token, lease (ms), then each set's ceiling. Members score their
 * expiry on Redis's clock (instances' clocks may differ): expired ones are dropped, then every set must have room,
 * or the (1-based) index of the first full one is returned and nothing is taken.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[i + 2]) then return i end
end
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return 0
`;

/** Pushes a held slot's expiry one lease further (XX: a slot released meanwhile is not brought back). */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return 0
`;

type SlotCommands = Redis & {
  minproSlotAcquire(...args: Array<string | number>): Promise<number>;
  minproSlotRenew(...args: Array<string | number>): Promise<number>;
};

export interface RunSlotsOptions {
  redis: Redis;
  /** REDIS_KEY_PREFIX: slots live in `<prefix>runs:<key>`. */
  keyPrefix: string;
  /** RUN_LEASE_MS: how long a dead instance's runs go on counting. */
  leaseMs: number;
  onError: (error: unknown) => void;
}

export type Acquired = { token: string } | { refused: number };

/**
 * Runs in flight counted across instances: one Redis sorted set per counted key (a principal, an end user), a
 * member per run, scored with its expiry. The holder renews its members every fifth of the lease while the runs
 * last, so a dead instance's runs stop counting within RUN_LEASE_MS; a run that ends here removes its own.
 */
export class RunSlots {
  readonly #o: RunSlotsOptions;
  readonly #redis: SlotCommands;
  /** Slots held here: token → the sets it is in. */
  readonly #held = new Map<string, string[]>();
  readonly #timer: NodeJS.Timeout;

  constructor(options: RunSlotsOptions) {
    this.#o = options;
    const redis = options.redis as SlotCommands;
    if (typeof redis.minproSlotAcquire !== 'function') {
      redis.defineCommand('minproSlotAcquire', { lua: ACQUIRE });
      redis.defineCommand('minproSlotRenew', { lua: RENEW });
    }
    this.#redis = redis;
    this.#timer = setInterval(() => this.renew(), Math.max(50, Math.floor(options.leaseMs * 0.2)));
    this.#timer.unref();
  }

  /** Takes a slot under every `{ key, max }`, or names the first that is full (index into `limits`). */
  async acquire(limits: ReadonlyArray<{ key: string; max: number }>): Promise<Acquired> {
    const token = randomUUID();
    const keys = limits.map((limit) => `${this.#o.keyPrefix}runs:${limit.key}`);
    const refused = await this.#redis.minproSlotAcquire(
      keys.length,
      ...keys,
      token,
      this.#o.leaseMs,
      ...limits.map((limit) => limit.max),
    );
    if (refused > 0) return { refused: refused - 1 };
    this.#held.set(token, keys);
    return { token };
  }

  release(token: string): void {
    const keys = this.#held.get(token);
    if (!keys) return;
    this.#held.delete(token);
    const pipeline = this.#redis.pipeline();
    for (const key of keys) pipeline.zrem(key, token);
    pipeline.exec().catch((error) => this.#o.onError(error));
  }

  renew(): void {
    for (const [token, keys] of this.#held) {
      this.#redis.minproSlotRenew(keys.length, ...keys, token, this.#o.leaseMs).catch((e) => this.#o.onError(e));
    }
  }

  get held(): number {
    return this.#held.size;
  }

  /** Stops renewing (runs ended or interrupted by then); what is left lapses within the lease. */
  close(): void {
    clearInterval(this.#timer);
  }
}
