import type { Redis } from './connection.ts';

export interface InstanceLeaseOptions {
  redis: Redis;
  key: (instanceId: string) => string;
  instanceId: string;
  /** RUN_LEASE_MS: the longest a dead instance's runs may look alive. */
  leaseMs: number;
  onError: (error: unknown) => void;
}

/**
 * This instance's heartbeat: a key that lives 60% of the lease and is renewed every 20%, so a dead instance is
 * detected (key gone, plus one subscriber tick) within RUN_LEASE_MS.
 */
export class InstanceLease {
  readonly #options: InstanceLeaseOptions;
  readonly #timer: NodeJS.Timeout;

  constructor(options: InstanceLeaseOptions) {
    this.#options = options;
    this.#timer = setInterval(() => void this.renew(), Math.floor(options.leaseMs * 0.2));
    this.#timer.unref();
  }

  static ttl(leaseMs: number): number {
    return Math.floor(leaseMs * 0.6);
  }

  async renew(): Promise<void> {
    const { redis, key, instanceId, leaseMs } = this.#options;
    try {
      await redis.set(key(instanceId), String(Date.now()), 'PX', InstanceLease.ttl(leaseMs));
    } catch (error) {
      this.#options.onError(error);
    }
  }

  /** Alive instances among `ids`. */
  async alive(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { redis, key } = this.#options;
    const values = await redis.mget(ids.map(key));
    return new Set(ids.filter((_, i) => values[i] !== null));
  }

  /** Stops renewing; `release` also drops the key (a clean exit with nothing left running). */
  async stop(release: boolean): Promise<void> {
    clearInterval(this.#timer);
    if (release) await this.#options.redis.del(this.#options.key(this.#options.instanceId)).catch(() => {});
  }
}
