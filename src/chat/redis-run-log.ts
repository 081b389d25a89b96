import type { ChatEvent } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import type { Redis } from '../redis/connection.ts';
import { InstanceLease } from '../redis/instance-lease.ts';
import { TailPool } from '../redis/tail-pool.ts';
import { decode, type Entry, isFinal, lastEntry, seq, tailRun } from './redis-run-tail.ts';
import type { Run } from './run.ts';
import type { Follow, RunEventLog } from './run-log.ts';

export interface RedisRunLogOptions {
  /** Commands (auto-pipelined); blocking reads and the cancel subscription use duplicates of it. */
  redis: Redis;
  keyPrefix: string;
  instanceId: string;
  leaseMs: number;
  retentionMs: number;
  runTimeoutMs: number;
  /** MAXLEN of a run's stream (its byte cap bounds a run's events already; this bounds the key regardless). */
  maxEvents: number;
  maxTails: number;
  /** This instance's run of that id, for cancels arriving from other instances. */
  localRun: (runId: string) => Run | undefined;
  onError: (what: string, error: unknown) => void;
  /** A run whose holder died was failed in the log (the store marks it interrupted). */
  onLost?: (runId: string) => void;
}

const LOST_MESSAGE = 'The server running this answer stopped before it finished; send the message again.';

/**
 * Runs shared by every instance through Redis: one stream per run whose entry ids are the event ids (`0-<n>`),
 * bounded (MAXLEN) and expiring RUN_RETENTION_MS after the run ends; a `cancel` channel every instance listens
 * to; a hash of running runs to their holders, whose leases tell when a holder died.
 */
export class RedisRunLog implements RunEventLog {
  readonly #o: RedisRunLogOptions;
  readonly #lease: InstanceLease;
  readonly #tails: TailPool;
  readonly #subscriber: Redis;
  readonly #reaper: NodeJS.Timeout;
  readonly #tickMs: number;
  /** Each run's first append, awaited by started(). */
  readonly #first = new WeakMap<Run, Promise<unknown>>();

  private constructor(options: RedisRunLogOptions, subscriber: Redis) {
    this.#o = options;
    this.#subscriber = subscriber;
    this.#lease = new InstanceLease({
      redis: options.redis,
      key: (id) => this.#key(`instance:${id}`),
      instanceId: options.instanceId,
      leaseMs: options.leaseMs,
      onError: (error) => options.onError('lease renewal', error),
    });
    this.#tails = new TailPool(options.redis, options.maxTails);
    this.#tickMs = Math.min(1_000, Math.floor(options.leaseMs * 0.2));
    this.#reaper = setInterval(() => void this.reap().catch((e) => options.onError('reap', e)), options.leaseMs / 2);
    this.#reaper.unref();
  }

  static async open(options: RedisRunLogOptions): Promise<RedisRunLog> {
    const subscriber = options.redis.duplicate();
    const channel = `${options.keyPrefix}cancel`;
    subscriber.on('message', (_channel: string, runId: string) => options.localRun(runId)?.cancel());
    await subscriber.subscribe(channel);
    const log = new RedisRunLog(options, subscriber);
    await log.#lease.renew();
    return log;
  }

  #key(name: string): string {
    return `${this.#o.keyPrefix}${name}`;
  }
  #stream(runId: string): string {
    return this.#key(`run:${runId}`);
  }

  append(run: Run, event: ChatEvent): void {
    const { redis, maxEvents, instanceId } = this.#o;
    const key = this.#stream(run.id);
    const fail = (error: unknown) => this.#appendFailed(run, error);
    const id = `0-${event.eventId}`;
    const json = JSON.stringify(event);
    if (event.eventId === '1') {
      const first = redis.xadd(key, 'MAXLEN', '~', maxEvents, id, 'e', json, 'p', run.principalId, 'i', instanceId);
      this.#first.set(run, first.catch(fail));
      redis.pexpire(key, this.#o.runTimeoutMs + this.#o.retentionMs + this.#o.leaseMs).catch(fail);
      redis.hset(this.#key('running'), run.id, instanceId).catch(fail);
    } else {
      redis.xadd(key, 'MAXLEN', '~', maxEvents, id, 'e', json).catch(fail);
    }
    if (isFinal(event)) {
      redis.pexpire(key, this.#o.retentionMs).catch(fail);
      redis.hdel(this.#key('running'), run.id).catch(fail);
    }
  }

  async started(run: Run): Promise<void> {
    await this.#first.get(run);
  }

  /** An id conflict means another instance declared this one dead and failed the run: stop it here too. */
  #appendFailed(run: Run, error: unknown): void {
    if (/equal or smaller/.test(String((error as Error)?.message))) {
      run.abort(new AppError('UPSTREAM_UNAVAILABLE', LOST_MESSAGE));
    } else this.#o.onError('run log append', error);
  }

  async #meta(principalId: string, runId: string): Promise<{ holder: string } | undefined> {
    const [first] = (await this.#o.redis.xrange(this.#stream(runId), '0-1', '0-1')) as Entry[];
    if (!first) return undefined;
    const fields = first[1];
    const field = (name: string) => fields[fields.indexOf(name) + 1];
    return field('p') === principalId ? { holder: field('i') ?? '' } : undefined;
  }

  #last(key: string): Promise<Entry | undefined> {
    return lastEntry(this.#o.redis, key);
  }

  async find(principalId: string, runId: string): Promise<Follow | undefined> {
    const meta = await this.#meta(principalId, runId);
    if (!meta) return undefined;
    const stream = this.#stream(runId);
    const source = {
      redis: this.#o.redis,
      pool: this.#tails,
      tickMs: this.#tickMs,
      holderAlive: async () => (await this.#lease.alive([meta.holder])).size > 0,
      declareLost: () => this.#declareLost(runId),
    };
    return (after, signal) => tailRun(source, stream, after, signal);
  }

  async cancel(principalId: string, runId: string): Promise<boolean | undefined> {
    const meta = await this.#meta(principalId, runId);
    if (!meta) return undefined;
    const last = await this.#last(this.#stream(runId));
    if (!last || isFinal(decode(last))) return false;
    await this.#o.redis.publish(this.#key('cancel'), runId);
    return true;
  }

  /** Fails the run in the log for every subscriber (once: the next event id can be written only once). */
  async #declareLost(runId: string): Promise<void> {
    const { redis } = this.#o;
    const key = this.#stream(runId);
    const last = await this.#last(key);
    if (last && !isFinal(decode(last))) {
      const eventId = String(seq(last[0]) + 1);
      const event = { type: 'failed', runId, eventId, code: 'UPSTREAM_UNAVAILABLE', message: LOST_MESSAGE };
      try {
        await redis.xadd(key, `0-${eventId}`, 'e', JSON.stringify(event));
        await redis.pexpire(key, this.#o.retentionMs);
        this.#o.onLost?.(runId);
      } catch (error) {
        if (!/equal or smaller/.test(String((error as Error).message))) throw error;
      }
    }
    await redis.hdel(this.#key('running'), runId);
  }

  /** Runs whose holder's lease expired are failed (UPSTREAM_UNAVAILABLE) and reported lost; returns their ids. */
  async reap(): Promise<string[]> {
    const running = await this.#o.redis.hgetall(this.#key('running'));
    const alive = await this.#lease.alive([...new Set(Object.values(running))]);
    const lost = Object.keys(running).filter((runId) => !alive.has(running[runId] ?? ''));
    for (const runId of lost) await this.#declareLost(runId);
    return lost;
  }

  get tails(): number {
    return this.#tails.inUse;
  }

  /** After this instance's runs ended: stop renewing, drop the lease, close connections. */
  async close(): Promise<void> {
    clearInterval(this.#reaper);
    this.#tails.close();
    await this.#lease.stop(true);
    this.#subscriber.disconnect();
  }
}
