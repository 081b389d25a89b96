import { EventEmitter } from 'node:events';
import type { FastifyReply } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SseWriter } from './sse.ts';

class FakeRaw extends EventEmitter {
  frames: string[] = [];
  destroyed = false;
  ended = false;
  status = 0;
  writeHead(status: number): void {
    this.status = status;
  }
  write(frame: string): boolean {
    this.frames.push(frame);
    return true;
  }
  end(): void {
    this.ended = true;
    this.close();
  }
  close(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

function fakeReply(): { reply: FastifyReply; raw: FakeRaw } {
  const raw = new FakeRaw();
  const reply = { raw, request: { id: 'req-1' }, hijack: () => {} } as unknown as FastifyReply;
  return { reply, raw };
}

const pings = (raw: FakeRaw) => raw.frames.filter((f) => f === ': ping\n\n').length;

describe('SseWriter heartbeats', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes `: connected` at once and a ping after heartbeatMs of silence, never more often', () => {
    const { reply, raw } = fakeReply();
    new SseWriter(reply, { heartbeatMs: 1000 });
    expect(raw.status).toBe(200);
    expect(raw.frames).toEqual([': connected\n\n']);
    vi.advanceTimersByTime(900);
    expect(pings(raw)).toBe(0);
    vi.advanceTimersByTime(600);
    expect(pings(raw)).toBe(1);
    vi.advanceTimersByTime(10_000);
    raw.close();
    // One ping per silent heartbeatMs (at most one every heartbeatMs): 11 in 11.5 s.
    expect(pings(raw)).toBe(11);
  });

  it('does not ping a stream that keeps writing', () => {
    const { reply, raw } = fakeReply();
    const sse = new SseWriter(reply, { heartbeatMs: 1000 });
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(500);
      sse.data('x');
    }
    expect(pings(raw)).toBe(0);
    sse.end();
    expect(raw.ended).toBe(true);
  });

  it('shares one interval across all open writers and drops it when the last one closes', () => {
    const before = vi.getTimerCount();
    const streams = Array.from({ length: 50 }, () => fakeReply());
    const writers = streams.map(({ reply }) => new SseWriter(reply, { heartbeatMs: 1000 }));
    expect(vi.getTimerCount()).toBe(before + 1);
    vi.advanceTimersByTime(1500);
    for (const { raw } of streams) expect(pings(raw)).toBe(1);

    for (const { raw } of streams.slice(0, 25)) raw.close();
    vi.advanceTimersByTime(1000);
    for (const { raw } of streams.slice(0, 25)) expect(pings(raw)).toBe(1);
    for (const { raw } of streams.slice(25)) expect(pings(raw)).toBe(2);

    for (const writer of writers.slice(25)) writer.end();
    expect(vi.getTimerCount()).toBe(before);
  });

  it('stops writing to a destroyed socket and forgets it', () => {
    const before = vi.getTimerCount();
    const { reply, raw } = fakeReply();
    const sse = new SseWriter(reply, { heartbeatMs: 1000 });
    raw.destroyed = true; // destroyed without a 'close' event reaching the writer
    vi.advanceTimersByTime(2000);
    expect(pings(raw)).toBe(0);
    expect(sse.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(before);
  });

  it('keeps separate tickers for different heartbeat periods', () => {
    const fast = fakeReply();
    const slow = fakeReply();
    new SseWriter(fast.reply, { heartbeatMs: 200 });
    new SseWriter(slow.reply, { heartbeatMs: 5000 });
    vi.advanceTimersByTime(1000);
    expect(pings(fast.raw)).toBeGreaterThanOrEqual(3);
    expect(pings(slow.raw)).toBe(0);
    fast.raw.close();
    slow.raw.close();
  });
});

describe('SseWriter backpressure', () => {
  it('data() resolves only once a full socket drains (or closes)', async () => {
    const { reply, raw } = fakeReply();
    const writer = new SseWriter(reply, { heartbeatMs: 60_000 });
    raw.write = (frame: string) => {
      raw.frames.push(frame);
      return false;
    };
    let drained = false;
    const written = writer.data('x').then(() => {
      drained = true;
    });
    await Promise.resolve();
    expect(drained).toBe(false);
    raw.emit('drain');
    await written;
    expect(drained).toBe(true);
    const pending = writer.data('y');
    raw.close();
    await pending;
    writer.end();
  });
});
