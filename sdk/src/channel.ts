type SymbolWithAsyncIterator = { asyncIterator?: symbol };

// iOS 11 lacks Symbol.asyncIterator; down-levelled `for await` (esbuild, tslib) looks it up there or under this key.
if (!(Symbol as SymbolWithAsyncIterator).asyncIterator) {
  (Symbol as SymbolWithAsyncIterator).asyncIterator = Symbol.for('Symbol.asyncIterator');
}

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

/**
 * A push-driven async iterator. Unlike an async generator, `return()` takes effect at once even while a `next()` is
 * pending, which is what lets a consumer that stops iterating abort the underlying request immediately.
 */
export class Channel<T> implements AsyncIterableIterator<T> {
  private readonly queued: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;
  private readonly onReturn: () => void;

  constructor(onReturn: () => void) {
    this.onReturn = onReturn;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  push(value: T): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve({ value, done: false });
    else this.queued.push(value);
  }

  /** Ends the iteration after the queued values; with an error, the next `next()` after them rejects. */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    if (error !== undefined) this.failure = { error };
    while (this.waiters.length > 0) {
      const waiter = this.waiters.shift()!;
      if (this.failure) {
        waiter.reject(this.failure.error);
        this.failure = undefined;
      } else {
        waiter.resolve({ value: undefined, done: true });
      }
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queued.length > 0) return Promise.resolve({ value: this.queued.shift()!, done: false });
    if (this.closed) {
      const failure = this.failure;
      this.failure = undefined;
      return failure ? Promise.reject(failure.error) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    const wasOpen = !this.closed;
    this.queued.length = 0;
    this.close();
    this.failure = undefined;
    if (wasOpen) this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
