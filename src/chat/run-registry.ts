import { AppError } from '../contract/errors.ts';
import type { Principal } from './principal.ts';
import type { Run } from './run.ts';

export interface RunRegistryOptions {
  /** How long a finished run stays re-attachable. */
  retentionMs: number;
  /** Upper bound on retained event bytes across all runs; oldest finished runs go first. */
  maxRetainedBytes: number;
  maxActiveRunsPerPrincipal: number;
}

/** Live and recently finished runs, in bounded memory. Foreign runs are indistinguishable from unknown ones. */
export class RunRegistry {
  readonly #runs = new Map<string, Run>();
  readonly #active = new Map<string, number>();
  readonly #options: RunRegistryOptions;
  /** Bytes held by finished runs; running ones are bounded by the per-principal cap instead. */
  #retainedBytes = 0;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: RunRegistryOptions) {
    this.#options = options;
    this.#sweeper = setInterval(() => this.sweep(), Math.min(options.retentionMs, 30_000));
    this.#sweeper.unref();
  }

  /** Registers a new run, refusing a principal that already has too many in flight. */
  add(run: Run): void {
    const active = this.#active.get(run.principalId) ?? 0;
    if (active >= this.#options.maxActiveRunsPerPrincipal) {
      throw new AppError(
        'RATE_LIMITED',
        `Too many chats in progress (${active}); wait for one to finish or cancel it.`,
        { retryAfter: 2 },
      );
    }
    this.#active.set(run.principalId, active + 1);
    this.#runs.set(run.id, run);
    run.result.finally(() => this.#onFinished(run)).catch(() => {});
  }

  #onFinished(run: Run): void {
    const active = (this.#active.get(run.principalId) ?? 1) - 1;
    if (active > 0) this.#active.set(run.principalId, active);
    else this.#active.delete(run.principalId);
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

  /** Runs in flight for a key. */
  activeFor(principalId: string): number {
    return this.#active.get(principalId) ?? 0;
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
