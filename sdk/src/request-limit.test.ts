import { describe, expect, it } from 'vitest';
import { limitConcurrentRequests } from './request-limit.ts';
import type { WxRequestOptions } from './wx-types.ts';

function fakeWx() {
  const open: WxRequestOptions[] = [];
  const started: string[] = [];
  return {
    open,
    started,
    wx: {
      request(options: WxRequestOptions) {
        open.push(options);
        started.push(options.url);
        return { abort: () => options.fail?.({ errMsg: 'request:fail abort' }) };
      },
    },
  };
}

describe('limitConcurrentRequests', () => {
  it('keeps at most max requests open and starts the queued ones in order as others finish', () => {
    const inner = fakeWx();
    const limited = limitConcurrentRequests(inner.wx, 2);
    for (const url of ['a', 'b', 'c', 'd']) limited.request({ url });
    expect(inner.started).toEqual(['a', 'b']);
    inner.open[0]!.success?.({ statusCode: 200, data: '' });
    inner.open[0]!.complete?.();
    expect(inner.started).toEqual(['a', 'b', 'c']);
    inner.open[1]!.fail?.({ errMsg: 'request:fail' });
    expect(inner.started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('fails a request aborted while queued without ever sending it, and frees nothing twice', async () => {
    const inner = fakeWx();
    const limited = limitConcurrentRequests(inner.wx, 1);
    limited.request({ url: 'a' });
    const failures: string[] = [];
    const queued = limited.request({ url: 'b', fail: (result) => failures.push(result.errMsg) });
    queued.abort();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(failures).toEqual(['request:fail abort']);
    limited.request({ url: 'c' });
    inner.open[0]!.success?.({ statusCode: 200, data: '' });
    inner.open[0]!.complete?.();
    expect(inner.started).toEqual(['a', 'c']);
  });

  it('hands chunk listeners registered while queued to the real task once it starts', () => {
    const listeners: unknown[] = [];
    const wx = {
      request: (options: WxRequestOptions) => ({
        abort: () => options.fail?.({ errMsg: 'request:fail abort' }),
        onChunkReceived: (listener: unknown) => listeners.push(listener),
      }),
    };
    const limited = limitConcurrentRequests(wx, 1);
    const first = limited.request({ url: 'a' });
    const second = limited.request({ url: 'b' });
    const listener = () => undefined;
    second.onChunkReceived?.(listener);
    expect(listeners).toEqual([]);
    first.abort();
    expect(listeners).toEqual([listener]);
  });

  it('frees the slot when a started request is aborted even if wx never calls back (iOS network drop)', () => {
    const started: string[] = [];
    const wx = {
      request(options: WxRequestOptions) {
        started.push(options.url);
        return { abort() {} };
      },
    };
    const limited = limitConcurrentRequests(wx, 1);
    const first = limited.request({ url: 'a' });
    limited.request({ url: 'b' });
    first.abort();
    first.abort();
    limited.request({ url: 'c' });
    expect(started).toEqual(['a', 'b']);
  });
});
