import type { ChatEvent } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import type { Redis } from '../redis/connection.ts';
import type { TailPool } from '../redis/tail-pool.ts';

/** A stream entry as Redis returns it: `0-<eventId>` and its fields (`e`: the event's JSON). */
export type Entry = [id: string, fields: string[]];

const PAGE = 256;
export const isFinal = (event: ChatEvent) => event.type === 'completed' || event.type === 'failed';
export const seq = (id: string) => Number(id.slice(id.indexOf('-') + 1));
export const decode = ([, fields]: Entry): ChatEvent => JSON.parse(fields[fields.indexOf('e') + 1] ?? 'null');

export async function lastEntry(redis: Redis, key: string): Promise<Entry | undefined> {
  const entries = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as unknown as Entry[];
  return entries[0];
}

const unknownId = (after: string | undefined) =>
  new AppError('INVALID_INPUT', `Unknown event id "${after}" for this run; resume from an eventId you received.`);

function position(after: string | undefined): number {
  const n = after === undefined || after === '' ? 0 : Number(after);
  if (!Number.isInteger(n) || n < 0) throw unknownId(after);
  return n;
}

export interface TailSource {
  redis: Redis;
  pool: TailPool;
  /** How long one blocking read waits before the holder's lease is checked. */
  tickMs: number;
  holderAlive: () => Promise<boolean>;
  /** Appends the run's failure (its holder died); the tail then reads it like any event. */
  declareLost: () => Promise<void>;
}

/**
 * A run's stream after `after`: the backlog (XRANGE pages), then a live tail (XREAD BLOCK on a pooled connection),
 * ending after the final event. While nothing arrives the holder's lease is checked every tick, so a dead holder
 * turns into a failed event instead of a silent hang. `signal` detaches at once (the blocked connection is dropped).
 */
export async function* tailRun(
  source: TailSource,
  key: string,
  after: string | undefined,
  signal?: AbortSignal,
): AsyncGenerator<ChatEvent> {
  const { redis } = source;
  let seen = position(after);
  const last = await lastEntry(redis, key);
  if (!last) return; // expired since it was found
  if (seen > seq(last[0])) throw unknownId(after);
  for (;;) {
    const page = (await redis.xrange(key, `(0-${seen}`, '+', 'COUNT', PAGE)) as Entry[];
    for (const entry of page) {
      const event = decode(entry);
      seen = seq(entry[0]);
      yield event;
      if (isFinal(event)) return;
    }
    if (page.length < PAGE) break;
  }
  if (signal?.aborted) return;
  const connection = source.pool.acquire();
  let broken = false;
  const onAbort = () => {
    broken = true;
    connection.disconnect();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    while (!signal?.aborted) {
      let reply: [string, Entry[]][] | null;
      try {
        reply = (await connection.xread(
          'COUNT',
          PAGE,
          'BLOCK',
          source.tickMs,
          'STREAMS',
          key,
          `0-${seen}`,
        )) as typeof reply;
      } catch (error) {
        if (signal?.aborted) return;
        broken = true;
        throw error;
      }
      if (!reply) {
        const [exists, alive] = await Promise.all([redis.exists(key), source.holderAlive()]);
        if (exists === 0) return;
        if (!alive) await source.declareLost();
        continue;
      }
      for (const entry of reply[0]?.[1] ?? []) {
        const event = decode(entry);
        seen = seq(entry[0]);
        yield event;
        if (isFinal(event)) return;
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    source.pool.release(connection, broken);
  }
}
