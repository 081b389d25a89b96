import type { FastifyReply } from 'fastify';

export interface SseWriterOptions {
  heartbeatMs: number;
  headers?: Record<string, string>;
}

/** Headers every event stream needs to reach a phone through nginx and WeChat unbuffered. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
} as const;

/**
 * A hijacked reply that writes SSE frames: a comment at once (so proxies and clients see bytes before
 * the agent answers) and a heartbeat comment whenever nothing was written for `heartbeatMs`.
 */
export class SseWriter {
  readonly #reply: FastifyReply;
  readonly #timer: NodeJS.Timeout;
  #lastWrite = Date.now();
  #closed = false;

  constructor(reply: FastifyReply, options: SseWriterOptions) {
    this.#reply = reply;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { ...SSE_HEADERS, 'x-request-id': reply.request.id, ...options.headers });
    raw.write(': connected\n\n');
    this.#timer = setInterval(() => {
      if (Date.now() - this.#lastWrite >= options.heartbeatMs - 5) this.#write(': ping\n\n');
    }, options.heartbeatMs);
    this.#timer.unref();
    raw.once('close', () => this.#stop());
  }

  get closed(): boolean {
    return this.#closed || this.#reply.raw.destroyed;
  }

  #write(frame: string): void {
    if (this.closed) return;
    this.#lastWrite = Date.now();
    this.#reply.raw.write(frame);
  }

  data(payload: string): void {
    this.#write(`data: ${payload}\n\n`);
  }

  end(): void {
    if (this.closed) return;
    this.#stop();
    this.#reply.raw.end();
  }

  #stop(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }
}
