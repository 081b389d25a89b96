import type { Executor } from './schema.ts';

export interface WriteBatcherOptions {
  transaction: (work: (tx: Executor) => Promise<void>) => Promise<void>;
  onError: (what: string, error: unknown) => void;
  /** How long the first queued write waits for others to share its commit (0: until the event loop's next turn). */
  windowMs?: number;
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
 * Group commit: writes queued within `windowMs` of the first share one transaction, so a busy server pays for one
 * commit (SQLite's WAL append of every page the batch touched, a PostgreSQL round trip) per batch instead of per
 * write. Nothing waits the window out: a reader, or an answer that must be committed first (PostgreSQL, read by
 * other instances), cuts it short with settled() and sees every write queued before it. So the window adds no
 * latency; it is what a crash can lose on top of the write in flight. Writes run in the order they were queued. If
 * a batch fails, each of its writes is retried alone, so one bad write cannot sink the others.
 */
export class WriteBatcher {
  readonly #options: WriteBatcherOptions;
  readonly #queue: Pending[] = [];
  #running: Promise<void> | undefined;
  /** Ends the current window early; set while a batch waits for it. */
  #startNow: (() => void) | undefined;

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
    const windowMs = this.#options.windowMs ?? 0;
    let timer: NodeJS.Timeout | undefined;
    this.#running = new Promise<void>((resolve) => {
      this.#startNow = resolve;
      if (windowMs > 0) timer = setTimeout(resolve, windowMs);
      else setImmediate(resolve);
    })
      .then(() => {
        clearTimeout(timer);
        this.#startNow = undefined;
        return this.#drain();
      })
      .finally(() => {
        this.#running = undefined;
        // A write queued after the last batch was taken but before this drain ended must not be stranded.
        if (this.#queue.length > 0) this.#schedule();
      });
  }

  /** Whether writes are queued or committing. */
  get pending(): boolean {
    return this.#running !== undefined;
  }

  /** Resolves once every write queued so far is committed, without waiting out the window (a reader is waiting). */
  async settled(): Promise<void> {
    if (!this.#running) return;
    const barrier = this.write('read barrier', async () => {});
    this.#startNow?.();
    await barrier;
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
