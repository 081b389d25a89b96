import { AppError } from '../contract/errors.ts';
import type { Principal } from './principal.ts';
import type { Run } from './run.ts';

export interface RunRegistryOptions {
  /** How long a finished run stays re-attachable. */
  retentionMs: number;
  /** Upper bound on retained event bytes across all runs; oldest finished runs go first. */
  maxRetainedBytes: number;
  /** The key-wide ceiling. */
  maxActiveRunsPerPrincipal: number;
  /** Per end user of a key (runs that name a `user`), so one user cannot take every slot of a shared key. */
  maxActiveRunsPerUser?: number;
}

/** In-flight counts per key and per (key, user). */
class ActiveCounts {
  readonly #counts = new Map<string, number>();

  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  add(key: string, delta: number): void {
    const next = this.get(key) + delta;
    if (next > 0) this.#counts.set(key, next);
    else this.#counts.delete(key);
  }
}

const userKey = (run: Run) => (run.user === undefined ? undefined : `${run.principalId}\0${run.user}`);

/** Live and recently finished runs, in bounded memory. Foreign runs are indistinguishable from unknown ones. */
export class RunRegistry {
  readonly #runs = new Map<string, Run>();
  readonly #active = new ActiveCounts();
  readonly #activeUsers = new ActiveCounts();
  readonly #options: RunRegistryOptions;
  /** Bytes held by finished runs; running ones are bounded by the per-principal cap instead. */
  #retainedBytes = 0;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: RunRegistryOptions) {
    this.#options = options;
    this.#sweeper = setInterval(() => this.sweep(), Math.min(options.retentionMs, 30_000));
    this.#sweeper.unref();
  }

  /** Registers a new run, refusing a user, then a key, that already has too many in flight. */
  add(run: Run): void {
    const user = userKey(run);
    const userLimit = this.#options.maxActiveRunsPerUser ?? Number.POSITIVE_INFINITY;
    if (user !== undefined && this.#activeUsers.get(user) >= userLimit) {
      throw busy(`This user already has ${userLimit} chats in progress (the per-user limit)`);
    }
    if (run.maxActiveRuns !== undefined && this.#active.get(run.principalId) >= run.maxActiveRuns) {
      throw busy(`You already have ${run.maxActiveRuns} chats in progress (the per-user limit)`);
    }
    if (this.#active.get(run.principalId) >= this.#options.maxActiveRunsPerPrincipal) {
      throw busy(
        `This API key already has ${this.#options.maxActiveRunsPerPrincipal} chats in progress (the per-key limit)`,
      );
    }
    this.#active.add(run.principalId, 1);
    if (user !== undefined) this.#activeUsers.add(user, 1);
    this.#runs.set(run.id, run);
    run.result.finally(() => this.#onFinished(run)).catch(() => {});
  }

  #onFinished(run: Run): void {
    this.#active.add(run.principalId, -1);
    const user = userKey(run);
    if (user !== undefined) this.#activeUsers.add(user, -1);
    if (!this.#runs.has(run.id)) return;
    this.#retainedBytes += run.bytes;
    // Map order is insertion order: the oldest runs are evicted first.
    for (const [id, old] of this.#runs) {
      if (this.#retainedBytes <= this.#options.maxRetainedBytes) break;
      if (old.finishedAt !== undefined) this.#delete(id, old);
    }
  }

  #delete(id: string, run: Run): void {
    this.#runs.delete(id);
    if (run.finishedAt !== undefined) this.#retainedBytes -= run.bytes;
  }

  get(principal: Principal, runId: string): Run {
    const run = this.#runs.get(runId);
    if (!run || run.principalId !== principal.id) {
      throw new AppError('NOT_FOUND', 'No such run: it never existed, belongs to another key, or has expired.');
    }
    return run;
  }

  sweep(now = Date.now()): void {
    for (const [id, run] of this.#runs) {
      if (run.finishedAt !== undefined && now - run.finishedAt >= this.#options.retentionMs) this.#delete(id, run);
    }
  }

  /** Runs in flight for a key (all its users). */
  activeFor(principalId: string): number {
    return this.#active.get(principalId);
  }

  get size(): number {
    return this.#runs.size;
  }

  /** Shutdown: stop whatever is still running, telling its listeners why (not a user's cancel). */
  close(
    reason = new AppError('UPSTREAM_UNAVAILABLE', 'The server is restarting; send the message again in a moment.'),
  ): void {
    for (const run of this.#runs.values()) run.abort(reason);
    clearInterval(this.#sweeper);
  }
}

function busy(what: string): AppError {
  return new AppError('RATE_LIMITED', `${what}; wait for one to finish or cancel it, then retry.`, { retryAfter: 2 });
}
