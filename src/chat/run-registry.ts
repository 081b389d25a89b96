import { AppError } from '../contract/errors.ts';
import type { Principal } from './principal.ts';
import type { Run } from './run.ts';
import { type RunLimiterName, runLimits } from './run-limits.ts';

export interface RunRegistryOptions {
  /** How long a finished run stays re-attachable. */
  retentionMs: number;
  /** Upper bound on retained event bytes across all runs; oldest finished runs go first. */
  maxRetainedBytes: number;
  /** The key-wide ceiling. */
  maxActiveRunsPerPrincipal: number;
  /** Per end user of a key (runs that name a `user`), so one user cannot take every slot of a shared key. */
  maxActiveRunsPerUser?: number;
  /** Metrics: which limit refused a run. */
  onRejected?: (limiter: RunLimiterName) => void;
}

/** In-flight counts per principal and per (principal, user): the keys of runLimits(). */
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

/** Live and recently finished runs, in bounded memory. Foreign runs are indistinguishable from unknown ones. */
export class RunRegistry {
  readonly #runs = new Map<string, Run>();
  readonly #active = new ActiveCounts();
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
    const limits = runLimits(run, this.#options);
    for (const limit of limits) {
      if (this.#active.get(limit.key) < limit.max) continue;
      this.#options.onRejected?.(limit.limiter);
      throw limit.refusal();
    }
    for (const limit of limits) this.#active.add(limit.key, 1);
    this.#runs.set(run.id, run);
    run.result.finally(() => this.#onFinished(run, limits)).catch(() => {});
  }

  #onFinished(run: Run, limits: readonly { key: string }[]): void {
    for (const limit of limits) this.#active.add(limit.key, -1);
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

  /** Any principal's run held here (cancels arriving from other instances were authorized there). */
  find(runId: string): Run | undefined {
    return this.#runs.get(runId);
  }

  /** Runs still running here. */
  get running(): number {
    let n = 0;
    for (const run of this.#runs.values()) if (run.status === 'running') n++;
    return n;
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
