import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';

/** One fixed window of a counter: its name (key prefix), length and allowance. */
export interface WindowSpec {
  keyPrefix: string;
  durationSeconds: number;
  points: number;
}

/**
 * Builds a rate-limiter-flexible limiter over one backend's storage. This is all a backend provides: memory,
 * SQLite and PostgreSQL today (backends.ts); Redis (RateLimiterRedis over ioredis) is one more factory.
 */
export interface LimiterBackend {
  name: string;
  create(spec: WindowSpec): RateLimiterAbstract;
  close(): Promise<void>;
}

export type Verdict = { allowed: true; remaining: number } | { allowed: false; retryAfterMs: number };

export interface Usage {
  used: number;
  /** When the window ends (epoch ms); undefined when nothing was counted yet. */
  resetAt: number | undefined;
}

/**
 * A named counter with a per-key allowance (a user's override differs from the default). The library checks a
 * limiter's own `points`, so there is one limiter per distinct allowance, all over the same stored counters.
 */
export class Counter {
  readonly #backend: LimiterBackend;
  readonly #keyPrefix: string;
  readonly #durationSeconds: number;
  readonly #byAllowance = new Map<number, RateLimiterAbstract>();

  constructor(backend: LimiterBackend, keyPrefix: string, durationSeconds: number) {
    this.#backend = backend;
    this.#keyPrefix = keyPrefix;
    this.#durationSeconds = durationSeconds;
  }

  #limiter(points: number): RateLimiterAbstract {
    let limiter = this.#byAllowance.get(points);
    if (!limiter) {
      limiter = this.#backend.create({ keyPrefix: this.#keyPrefix, durationSeconds: this.#durationSeconds, points });
      this.#byAllowance.set(points, limiter);
    }
    return limiter;
  }

  /** Counts `points` for key unless that would pass `allowance` within the window. */
  async consume(key: string, allowance: number, points = 1): Promise<Verdict> {
    try {
      const res = await this.#limiter(allowance).consume(key, points);
      return { allowed: true, remaining: res.remainingPoints };
    } catch (error) {
      if (error instanceof RateLimiterRes) return { allowed: false, retryAfterMs: error.msBeforeNext };
      throw error;
    }
  }

  /** Gives back points counted for a key (a turn that never started). */
  async refund(key: string, points = 1): Promise<void> {
    await this.#limiter(1).reward(key, points);
  }

  /** Adds points whatever the allowance (e.g. tokens a finished turn used). */
  async add(key: string, points: number): Promise<void> {
    if (points > 0) await this.#limiter(1).penalty(key, points);
  }

  async usage(key: string): Promise<Usage> {
    const res = await this.#limiter(1).get(key);
    // The memory store answers a lapsed window (not yet swept) with a negative remainder: nothing counts.
    if (!res || res.msBeforeNext <= 0) return { used: 0, resetAt: undefined };
    return { used: res.consumedPoints, resetAt: Date.now() + res.msBeforeNext };
  }

  /** Forgets the key's window (a reset by the operator, or tests). */
  async reset(key: string): Promise<void> {
    await this.#limiter(1).delete(key);
  }
}
