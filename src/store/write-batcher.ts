import type { Executor } from './schema.ts';

export interface WriteBatcherOptions {
  transaction: (work: (tx: Executor) => Promise<void>) => Promise<void>;
  onError: (what: string, error: unknown) => void;
  /** Writes per commit at most. */
  maxBatch?: number;
  /** Writes waiting at most: past it (a database that stopped answering) new writes are dropped and reported. */
  maxQueued?: number;
}

interface Pending {
  what: string;
  op: (tx: Executor) => Promise<unknown>;
  done: () => void;
}

/**
 * Group commit: writes queued during one turn of the event loop share one transaction, so a busy server pays for
 * one commit (SQLite's WAL append, a PostgreSQL round trip) per batch instead of per write. Writes run in the order
 * they were queued. If a batch fails, each of its writes is retried alone, so one bad write cannot sink the others.
 */
export class WriteBatcher {
  readonly #options: WriteBatcherOptions;
  readonly #queue: Pending[] = [];
  #running: Promise<void> | undefined;

  constructor(options: WriteBatcherOptions) {
    this.#options = options;
  }

  /** Resolves once the write is committed (or has failed and been reported); never rejects. */
  write(what: string, op: (tx: Executor) => Promise<unknown>): Promise<void> {
    if (this.#queue.length >= (this.#options.maxQueued ?? 10_000)) {
      this.#options.onError(what, new Error('the store is not keeping up: write dropped'));
      return Promise.resolve();
    }
    return new Promise<void>((done) => {
      this.#queue.push({ what, op, done });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#running) return;
    this.#running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#drain())
      .finally(() => {
        this.#running = undefined;
        // A write queued after the last batch was taken but before this drain ended must not be stranded.
        if (this.#queue.length > 0) this.#schedule();
      });
  }

  async #drain(): Promise<void> {
    const max = this.#options.maxBatch ?? 256;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, max);
      try {
        await this.#options.transaction(async (tx) => {
          for (const pending of batch) await pending.op(tx);
        });
      } catch {
        for (const pending of batch) {
          try {
            await this.#options.transaction(async (tx) => {
              await pending.op(tx);
            });
          } catch (error) {
            this.#options.onError(pending.what, error);
          }
        }
      }
      for (const pending of batch) pending.done();
    }
  }

  /** Waits until every queued write has been committed. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }
}
