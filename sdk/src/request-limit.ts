import type { WxChunk, WxHeadersReceived, WxLike, WxRequestOptions, WxRequestTask } from './wx-types.ts';

interface Queued {
  options: WxRequestOptions;
  task: DeferredTask;
}

/** A task handed out before its `wx.request` started: listeners and an early abort are replayed on start. */
class DeferredTask implements WxRequestTask {
  real: WxRequestTask | undefined;
  aborted = false;
  /** Frees the slot; also on abort, since a dead connection on iOS may never call back. */
  release: () => void = () => undefined;
  readonly chunkListeners: Array<(chunk: WxChunk) => void> = [];
  readonly headerListeners: Array<(result: WxHeadersReceived) => void> = [];
  private readonly onAbortQueued: () => void;

  constructor(onAbortQueued: () => void) {
    this.onAbortQueued = onAbortQueued;
  }

  attach(real: WxRequestTask): void {
    this.real = real;
    for (const listener of this.chunkListeners) real.onChunkReceived?.(listener);
    for (const listener of this.headerListeners) real.onHeadersReceived?.(listener);
  }

  abort(): void {
    if (this.real) {
      this.real.abort();
      this.release();
    } else if (!this.aborted) {
      this.aborted = true;
      this.onAbortQueued();
    }
  }

  onChunkReceived(listener: (chunk: WxChunk) => void): void {
    if (this.real) this.real.onChunkReceived?.(listener);
    else this.chunkListeners.push(listener);
  }

  offChunkReceived(listener: (chunk: WxChunk) => void): void {
    if (this.real) this.real.offChunkReceived?.(listener);
    const index = this.chunkListeners.indexOf(listener);
    if (index !== -1) this.chunkListeners.splice(index, 1);
  }

  onHeadersReceived(listener: (result: WxHeadersReceived) => void): void {
    if (this.real) this.real.onHeadersReceived?.(listener);
    else this.headerListeners.push(listener);
  }

  offHeadersReceived(listener: (result: WxHeadersReceived) => void): void {
    if (this.real) this.real.offHeadersReceived?.(listener);
    const index = this.headerListeners.indexOf(listener);
    if (index !== -1) this.headerListeners.splice(index, 1);
  }
}

/**
 * A `wx` whose `request` keeps at most `max` requests open (WeChat allows 10 at once and fails the rest); later
 * calls wait in order. Streams hold a slot for their whole life, so keep `max` above the streams you open.
 */
export function limitConcurrentRequests(wx: WxLike, max: number): WxLike {
  const queue: Queued[] = [];
  let active = 0;

  const release = () => {
    active--;
    const next = queue.shift();
    if (next) start(next);
  };

  const start = (entry: Queued) => {
    active++;
    const options = entry.options;
    let released = false;
    const releaseOnce = () => {
      if (released) return;
      released = true;
      release();
    };
    entry.task.release = releaseOnce;
    entry.task.attach(
      wx.request({
        ...options,
        success: (result) => {
          releaseOnce();
          if (options.success) options.success(result);
        },
        fail: (result) => {
          releaseOnce();
          if (options.fail) options.fail(result);
        },
        complete: () => {
          releaseOnce();
          if (options.complete) options.complete();
        },
      }),
    );
  };

  return {
    request(options) {
      const entry = { options } as Queued;
      // Aborted while queued: it never reaches wx, and fails the way wx reports an abort.
      entry.task = new DeferredTask(() => {
        const index = queue.indexOf(entry);
        if (index !== -1) queue.splice(index, 1);
        setTimeout(() => {
          if (options.fail) options.fail({ errMsg: 'request:fail abort' });
          if (options.complete) options.complete();
        }, 0);
      });
      if (active < max) start(entry);
      else queue.push(entry);
      return entry.task;
    },
  };
}
