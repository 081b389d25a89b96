import type { FastifyReply } from 'fastify';
import { SSE_HEADERS } from './stream-headers.ts';

export interface SseWriterOptions {
  heartbeatMs: number;
  headers?: Record<string, string>;
}

interface Ticker {
  timer: NodeJS.Timeout;
  writers: Set<SseWriter>;
}

/**
 * A hijacked reply that writes SSE frames: a comment at once (so proxies and clients see bytes before
 * the agent answers) and a heartbeat comment whenever nothing was written for `heartbeatMs`.
 *
 * Heartbeats come from one shared interval per `heartbeatMs` value (ticking every `heartbeatMs / 2`)
 * for all open writers, not a timer per stream: a silent stream gets its ping between `heartbeatMs`
 * and 1.5x `heartbeatMs` after its last write, and an open stream costs one Set entry.
 */
export class SseWriter {
  static readonly #tickers = new Map<number, Ticker>();

  readonly #reply: FastifyReply;
  readonly #heartbeatMs: number;
  #lastWrite = Date.now();
  #closed = false;

  constructor(reply: FastifyReply, options: SseWriterOptions) {
    this.#reply = reply;
    this.#heartbeatMs = options.heartbeatMs;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { ...SSE_HEADERS, 'x-request-id': reply.request.id, ...options.headers });
    raw.write(': connected\n\n');
    SseWriter.#join(this);
    raw.once('close', () => this.#stop());
  }

  static #join(writer: SseWriter): void {
    const period = writer.#heartbeatMs;
    let ticker = SseWriter.#tickers.get(period);
    if (!ticker) {
      const writers = new Set<SseWriter>();
      const timer = setInterval(() => SseWriter.#tick(writers), Math.max(1, Math.floor(period / 2)));
      timer.unref();
      ticker = { timer, writers };
      SseWriter.#tickers.set(period, ticker);
    }
    ticker.writers.add(writer);
  }

  static #leave(writer: SseWriter): void {
    const period = writer.#heartbeatMs;
    const ticker = SseWriter.#tickers.get(period);
    if (!ticker?.writers.delete(writer) || ticker.writers.size > 0) return;
    clearInterval(ticker.timer);
    SseWriter.#tickers.delete(period);
  }

  static #tick(writers: Set<SseWriter>): void {
    const now = Date.now();
    for (const writer of writers) {
      if (writer.closed) {
        // Destroyed without a 'close' we saw (e.g. before the writer existed): stop tracking it.
        writer.#stop();
        continue;
      }
      if (now - writer.#lastWrite < writer.#heartbeatMs - 5) continue;
      // A reader that is not draining needs no ping: its socket still holds unread bytes.
      if (writer.#reply.raw.writableNeedDrain) continue;
      try {
        writer.#write(': ping\n\n');
      } catch {
        // A broken socket must not stop the other streams' heartbeats; its 'close' removes it.
      }
    }
  }

  get closed(): boolean {
    return this.#closed || this.#reply.raw.destroyed;
  }

  #write(frame: string): boolean {
    if (this.closed) return true;
    this.#lastWrite = Date.now();
    return this.#reply.raw.write(frame);
  }

  /**
   * Writes one event; resolves once the socket can take more (at once unless its buffer is full, else on
   * 'drain' or close). Awaiting it before taking the next event keeps a slow reader from growing our memory.
   */
  data(payload: string): Promise<void> {
    return this.#send(`data: ${payload}\n\n`);
  }

  #send(frame: string): Promise<void> {
    if (this.#write(frame) || this.closed) return Promise.resolve();
    const raw = this.#reply.raw;
    return new Promise((resolve) => {
      const done = () => {
        raw.off('drain', done);
        raw.off('close', done);
        resolve();
      };
      raw.on('drain', done);
      raw.on('close', done);
    });
  }

  /** A comment line (`: …`): clients that do not know it skip it. Same backpressure as data(). */
  comment(text: string): Promise<void> {
    return this.#send(`: ${text.replace(/[\r\n]/g, ' ')}\n\n`);
  }

  end(): void {
    if (this.closed) return;
    this.#stop();
    this.#reply.raw.end();
  }

  #stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    SseWriter.#leave(this);
  }
}
