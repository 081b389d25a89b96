type SetData = (data: Record<string, unknown>) => void;

export interface PathSetter {
  /** Queues `path = value`; a later value for the same path replaces it. */
  set(path: string, value: unknown): void;
  /** Sends everything queued now (call before a final update so order is kept). */
  flush(): void;
  cancel(): void;
}

/**
 * Batches `setData` path updates (`messages[3].text`) into at most one call per `intervalMs`: each setData crosses
 * to the render thread, so per-delta calls with whole lists make long answers stutter.
 */
export function throttledSetData(setData: SetData, intervalMs = 80): PathSetter {
  let pending: Record<string, unknown> | undefined;
  let timer: number | undefined;
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!pending) return;
    const data = pending;
    pending = undefined;
    setData(data);
  };
  return {
    set(path, value) {
      if (!pending) pending = {};
      pending[path] = value;
      if (timer === undefined) timer = setTimeout(flush, intervalMs) as unknown as number;
    },
    flush,
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
    },
  };
}
