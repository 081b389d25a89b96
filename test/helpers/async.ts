/** Promise helpers shared by unit and integration tests; no dependencies, so src/ tests can import them cheaply. */

/** A Promise with its resolvers, for events awaited across callbacks. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One macrotask turn: lets pending promise callbacks and I/O callbacks run. */
export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What `promise` rejects with; fails instead if it resolves. */
export async function rejection<E = unknown>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected a rejection');
}

/** Resolves true once `promise` has settled; a flag readable synchronously afterwards. */
export function settledFlag(promise: Promise<unknown>): { readonly settled: boolean } {
  const state = { settled: false };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

/** Awaits `promise`, failing with `label` instead of hanging until the test timeout if it never settles. */
export async function within<T>(promise: Promise<T>, label: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
