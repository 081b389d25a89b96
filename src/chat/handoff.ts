/**
 * Streams another instance can take over (several instances share the run log): on drain they all end without a
 * final event, and their clients resume on another instance. Each stream has its own controller, released when it
 * ends: AbortSignal.any on one never-aborted drain signal keeps every composite reachable (~1 kB per stream,
 * measured on Node 24).
 */
export class Handoff {
  readonly #followers = new Set<AbortController>();
  #drained = false;

  /** Ends every stream following a run here; later ones end at once. */
  drain(): void {
    this.#drained = true;
    for (const follower of this.#followers) follower.abort();
    this.#followers.clear();
  }

  /** `open`'s events under a signal that aborts with the caller's `signal` or on drain. */
  wrap<T>(signal: AbortSignal | undefined, open: (signal: AbortSignal) => AsyncGenerator<T>): AsyncGenerator<T> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    if (signal?.aborted || this.#drained) controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#followers.add(controller);
    return released(open(controller.signal), () => {
      signal?.removeEventListener('abort', onAbort);
      this.#followers.delete(controller);
    });
  }

  get size(): number {
    return this.#followers.size;
  }
}

/** `events`, then `release` however the consumer stops (end, break, error). */
async function* released<T>(events: AsyncGenerator<T>, release: () => void): AsyncGenerator<T> {
  try {
    yield* events;
  } finally {
    release();
  }
}
