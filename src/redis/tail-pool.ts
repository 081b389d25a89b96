import { AppError } from '../contract/errors.ts';
import type { Redis } from './connection.ts';

const MAX_IDLE = 16;

/**
 * Connections for blocking reads (XREAD BLOCK holds its connection): one per live subscriber of a run held
 * elsewhere, reused, at most `max` at once so outsiders cannot open Redis connections without bound.
 */
export class TailPool {
  readonly #base: Redis;
  readonly #max: number;
  readonly #idle: Redis[] = [];
  #inUse = 0;
  #closed = false;

  constructor(base: Redis, max: number) {
    this.#base = base;
    this.#max = max;
  }

  acquire(): Redis {
    if (this.#closed) throw new AppError('UPSTREAM_UNAVAILABLE', 'The server is shutting down; resume the run again.');
    if (this.#inUse >= this.#max) {
      throw new AppError('RATE_LIMITED', 'Too many streams are following runs on other servers; retry shortly.', {
        retryAfter: 2,
      });
    }
    this.#inUse++;
    return this.#idle.pop() ?? this.#base.duplicate();
  }

  /** `broken`: its blocking command was interrupted (disconnected), so it is not reused. */
  release(connection: Redis, broken: boolean): void {
    this.#inUse--;
    if (broken || this.#closed || this.#idle.length >= MAX_IDLE) connection.disconnect();
    else this.#idle.push(connection);
  }

  get inUse(): number {
    return this.#inUse;
  }

  close(): void {
    this.#closed = true;
    for (const connection of this.#idle.splice(0)) connection.disconnect();
  }
}
