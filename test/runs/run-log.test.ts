import { afterAll, describe, expect, it } from 'vitest';
import { RedisRunLog } from '../../src/chat/redis-run-log.ts';
import { Run } from '../../src/chat/run.ts';
import { MemoryRunLog, type RunEventLog } from '../../src/chat/run-log.ts';
import { RunRegistry } from '../../src/chat/run-registry.ts';
import type { ChatEvent } from '../../src/contract/chat.ts';
import { connectRedis, type Redis } from '../../src/redis/connection.ts';
import { dropPrefix, redisSkipReason, redisTitle, redisUrl, uniquePrefix } from '../helpers/redis.ts';

const RETENTION_MS = 400;
const ALICE = 'key_alice';
const BOB = 'key_bob';

/** One backend seen from two instances: a holder that runs and appends, and a reader (memory: the same process). */
interface Harness {
  start(options?: { maxEventBytes?: number }): Promise<Run>;
  reader: RunEventLog;
  close(): Promise<void>;
}

const result = (run: Run, text: string) => ({
  runId: run.id,
  model: 'm',
  message: { role: 'assistant' as const, content: text },
  finishReason: 'stop',
  usage: null,
  attachments: [],
  aiGenerated: true,
  label: null,
});

function registry(): RunRegistry {
  return new RunRegistry({ retentionMs: RETENTION_MS, maxRetainedBytes: 1 << 30, maxActiveRunsPerPrincipal: 1000 });
}

function starter(runs: RunRegistry, holder: RunEventLog) {
  return async (options: { maxEventBytes?: number } = {}) => {
    const run = new Run(ALICE, 'm', { ...options, onEvent: (r, event) => holder.append(r, event) });
    runs.add(run);
    run.emit({ type: 'started' });
    await holder.started(run);
    return run;
  };
}

async function memoryHarness(): Promise<Harness> {
  const runs = registry();
  const log = new MemoryRunLog(runs);
  return { start: starter(runs, log), reader: log, close: async () => runs.close() };
}

const prefixes: string[] = [];
const connections: Redis[] = [];
afterAll(async () => {
  for (const redis of connections) redis.disconnect();
  for (const prefix of prefixes) await dropPrefix(prefix);
});

async function redisLog(prefix: string, instanceId: string, runs: RunRegistry | undefined, extra = {}) {
  const redis = connectRedis(redisUrl ?? '', { autoPipelining: true });
  connections.push(redis);
  return RedisRunLog.open({
    redis,
    keyPrefix: prefix,
    instanceId,
    leaseMs: 1_000,
    retentionMs: RETENTION_MS,
    runTimeoutMs: 60_000,
    maxEvents: 10_000,
    maxTails: 64,
    localRun: (runId) => runs?.find(runId),
    onError: () => {},
    ...extra,
  });
}

async function redisHarness(): Promise<Harness> {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  const runs = registry();
  const holder = await redisLog(prefix, 'holder', runs);
  const reader = await redisLog(prefix, 'reader', undefined);
  return {
    start: starter(runs, holder),
    reader,
    async close() {
      runs.close();
      await reader.close();
      await holder.close();
    },
  };
}

async function collect(events: AsyncIterable<ChatEvent> | undefined): Promise<ChatEvent[]> {
  const seen: ChatEvent[] = [];
  for await (const event of events ?? []) seen.push(event);
  return seen;
}
/** Follows a run through `log` as a client would: undefined when the log does not know it. */
async function read(log: RunEventLog, principalId: string, runId: string, after?: string, signal?: AbortSignal) {
  return (await log.find(principalId, runId))?.(after, signal);
}
const ids = (events: ChatEvent[]) => events.map((e) => e.eventId);

const backends = [
  { name: 'memory', open: memoryHarness, skip: undefined },
  { name: 'redis', open: redisHarness, skip: redisSkipReason },
];

for (const backend of backends) {
  describe.skipIf(backend.skip !== undefined)(
    backend.name === 'redis' ? redisTitle('run log: redis') : 'run log: memory',
    () => {
      it('gives a reader the backlog after its id, then live events, ending with the final one', async () => {
        const h = await backend.open();
        try {
          const run = await h.start();
          run.emit({ type: 'delta', text: 'a' });
          run.emit({ type: 'delta', text: 'b' });
          const reading = collect(await read(h.reader, ALICE, run.id, '2'));
          await new Promise((resolve) => setTimeout(resolve, 50));
          run.emit({ type: 'delta', text: 'c' });
          run.emit({ type: 'completed', result: result(run, 'abc') });
          const events = await reading;
          expect(ids(events)).toEqual(['3', '4', '5']);
          expect(events.map((e) => (e.type === 'delta' ? e.text : e.type))).toEqual(['b', 'c', 'completed']);
        } finally {
          await h.close();
        }
      });

      it('resumes from every id it issued with nothing lost or repeated', async () => {
        const h = await backend.open();
        try {
          const run = await h.start();
          for (let i = 0; i < 300; i++) run.emit({ type: 'delta', text: `d${i}` });
          run.emit({ type: 'completed', result: result(run, '') });
          const last = Number(run.lastEventId);
          for (const after of [undefined, '0', '1', '2', '150', '299', String(last - 1), String(last)]) {
            const start = Number(after ?? 0);
            const expected = Array.from({ length: last - start }, (_, i) => String(start + i + 1));
            expect(ids(await collect(await read(h.reader, ALICE, run.id, after)))).toEqual(expected);
          }
        } finally {
          await h.close();
        }
      });

      it('answers INVALID_INPUT for an id the run never issued, and nothing for unknown or foreign runs', async () => {
        const h = await backend.open();
        try {
          const run = await h.start();
          for (const bad of ['9', 'abc', '-1']) {
            await expect(collect(await read(h.reader, ALICE, run.id, bad))).rejects.toMatchObject({
              code: 'INVALID_INPUT',
            });
          }
          expect(await read(h.reader, BOB, run.id)).toBeUndefined();
          expect(await read(h.reader, ALICE, 'no-such-run')).toBeUndefined();
          expect(await h.reader.cancel(BOB, run.id)).toBeUndefined();
        } finally {
          await h.close();
        }
      });

      it('cancels through the reader: the holder aborts its upstream signal and the run fails CANCELLED', async () => {
        const h = await backend.open();
        try {
          const run = await h.start();
          const reading = collect(await read(h.reader, ALICE, run.id));
          expect(await h.reader.cancel(ALICE, run.id)).toBe(true);
          await expect(run.result).rejects.toMatchObject({ code: 'CANCELLED' });
          expect(run.signal.aborted).toBe(true);
          expect((await reading).at(-1)).toMatchObject({ type: 'failed', code: 'CANCELLED', eventId: '2' });
          expect(await h.reader.cancel(ALICE, run.id)).toBe(false);
        } finally {
          await h.close();
        }
      });

      it('ends readers with the failure of a run over its byte cap', async () => {
        const h = await backend.open();
        try {
          const run = await h.start({ maxEventBytes: 4096 });
          const reading = collect(await read(h.reader, ALICE, run.id));
          for (let i = 0; i < 10; i++) run.emit({ type: 'delta', text: 'x'.repeat(500) });
          const events = await reading;
          expect(events.at(-1)).toMatchObject({ type: 'failed', code: 'UPSTREAM_FAILED' });
          expect(events.filter((e) => e.type === 'failed')).toHaveLength(1);
        } finally {
          await h.close();
        }
      });

      it('a reader that detaches leaves the run going', async () => {
        const h = await backend.open();
        try {
          const run = await h.start();
          const detach = new AbortController();
          const reading = collect(await read(h.reader, ALICE, run.id, undefined, detach.signal));
          await new Promise((resolve) => setTimeout(resolve, 50));
          detach.abort();
          expect(ids(await reading)).toEqual(['1']);
          expect(run.status).toBe('running');
          run.emit({ type: 'completed', result: result(run, 'ok') });
          expect(ids(await collect(await read(h.reader, ALICE, run.id, '1')))).toEqual(['2']);
        } finally {
          await h.close();
        }
      });

      it('forgets a finished run after its retention', async () => {
        const h = await backend.open();
        try {
          const run = await h.start();
          run.emit({ type: 'completed', result: result(run, 'ok') });
          expect(await read(h.reader, ALICE, run.id)).toBeDefined();
          await expect
            .poll(async () => read(h.reader, ALICE, run.id), { timeout: RETENTION_MS * 10, interval: 100 })
            .toBeUndefined();
        } finally {
          await h.close();
        }
      });
    },
  );
}

describe.skipIf(redisSkipReason !== undefined)(redisTitle('run log: redis only'), () => {
  it('bounds a run stream (MAXLEN) and sets its expiry to the retention once the run ends', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const runs = registry();
    const holder = await redisLog(prefix, 'holder', runs, { maxEvents: 50 });
    const run = await starter(runs, holder)();
    for (let i = 0; i < 1000; i++) run.emit({ type: 'delta', text: 'x' });
    run.emit({ type: 'completed', result: result(run, '') });
    const redis = connectRedis(redisUrl ?? '');
    connections.push(redis);
    await expect.poll(() => redis.xlen(`${prefix}run:${run.id}`)).toBeLessThan(1000);
    // The stream is trimmed as it is written; the retention expiry follows the end's append.
    await expect.poll(() => redis.pttl(`${prefix}run:${run.id}`)).toBeLessThanOrEqual(RETENTION_MS);
    expect(await redis.pttl(`${prefix}run:${run.id}`)).toBeGreaterThan(0);
    await holder.close();
  });

  it('fails the runs of a holder whose lease expired: readers get UPSTREAM_UNAVAILABLE, the store is told', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const runs = registry();
    const holderRedis = connectRedis(redisUrl ?? '', { autoPipelining: true });
    const holder = await RedisRunLog.open({
      redis: holderRedis,
      keyPrefix: prefix,
      instanceId: 'doomed',
      leaseMs: 1_000,
      retentionMs: RETENTION_MS,
      runTimeoutMs: 60_000,
      maxEvents: 10_000,
      maxTails: 4,
      localRun: (runId) => runs.find(runId),
      onError: () => {},
    });
    const lost: string[] = [];
    const reader = await redisLog(prefix, 'survivor', undefined, { onLost: (runId: string) => lost.push(runId) });
    const run = await starter(runs, holder)();
    run.emit({ type: 'delta', text: 'partial' });
    const reading = collect(await read(reader, ALICE, run.id));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The holder dies: no more lease renewals, no clean close.
    holderRedis.disconnect();
    const died = performance.now();
    const events = await reading;
    const detectedMs = performance.now() - died;
    expect(events.at(-1)).toMatchObject({ type: 'failed', code: 'UPSTREAM_UNAVAILABLE', eventId: '3' });
    expect(detectedMs).toBeLessThan(1_000 * 2); // RUN_LEASE_MS (1 s here), with room for a loaded machine
    expect(lost).toEqual([run.id]);
    expect(await reader.reap()).toEqual([]);
    runs.close();
    await reader.close();
  });
});
