/**
 * Two instances sharing Redis (and PostgreSQL when given): throughput with requests alternating between them, and
 * the Redis path's added latency per relayed delta: the same run followed live on its holder A (memory) and on B
 * (Redis Streams), each delta's arrival on B minus its arrival on A, measured by one client.
 */
import type { Pool } from 'undici';
import { makePool, median, percentile, round, runLoad } from '../load.ts';
import type { Proc } from '../processes.ts';
import { SERVER_HEADERS } from '../requests.ts';

export interface TwoInstanceOptions {
  a: Proc;
  b: Proc;
  throughputRequests: number;
  concurrency: number;
  /** Runs followed on both instances, each with `deltas` deltas paced `paceMs` apart (as a model streams). */
  relayRuns: number;
  deltas: number;
  paceMs: number;
}

export interface TwoInstanceResult {
  streamsPerSecond: number;
  deltasPerSecond: number;
  streamErrors: number;
  firstError: string | undefined;
  relayedDeltas: number;
  addedP50Ms: number;
  addedP90Ms: number;
  perRunP50Ms: number[];
}

const SSE_HEADERS = { ...SERVER_HEADERS, accept: 'text/event-stream' };
const EVENT_ID = /"eventId":"(\d+)"/g;
const FIELDS =
  '__typename ... on ChatStarted { runId eventId } ... on ChatDelta { eventId } ... on ChatCompleted { eventId } ... on ChatFailed { eventId }';
const STREAM = `subscription S($input: SendChatInput!) { chatStream(input: $input) { ${FIELDS} } }`;
const EVENTS = `subscription E($runId: ID!, $after: String) { chatEvents(runId: $runId, after: $after) { ${FIELDS} } }`;

/** Reads a GraphQL SSE response, stamping each event id with its arrival time; `onFirst` gets the run id. */
async function follow(pool: Pool, body: unknown, stamps: Map<number, number>, onFirst?: (text: string) => void) {
  const res = await pool.request({
    method: 'POST',
    path: '/graphql',
    headers: SSE_HEADERS,
    body: JSON.stringify(body),
  });
  if (res.statusCode !== 200)
    throw new Error(`/graphql: HTTP ${res.statusCode} ${(await res.body.text()).slice(0, 200)}`);
  let first = true;
  for await (const chunk of res.body) {
    const now = performance.now();
    const text = (chunk as Buffer).toString('utf8');
    if (text.includes('"errors"')) throw new Error(`/graphql: ${text.slice(0, 300)}`);
    for (const match of text.matchAll(EVENT_ID)) if (!stamps.has(Number(match[1]))) stamps.set(Number(match[1]), now);
    const runId = first ? /"runId":"([^"]+)"/.exec(text)?.[1] : undefined;
    if (runId) {
      first = false;
      onFirst?.(runId);
    }
    if (text.includes('ChatCompleted') || text.includes('ChatFailed')) break;
  }
  res.body.destroy();
}

async function relayOnce(a: Pool, b: Pool, deltas: number, paceMs: number): Promise<number[]> {
  const onA = new Map<number, number>();
  const onB = new Map<number, number>();
  let attached!: Promise<void>;
  const input = { messages: [{ role: 'user', content: `FAKE_DELTAS_${deltas} FAKE_PACE_${paceMs}` }] };
  await follow(a, { query: STREAM, variables: { input } }, onA, (runId) => {
    attached = follow(b, { query: EVENTS, variables: { runId, after: '1' } }, onB);
  });
  await attached;
  // The first deltas may reach B as backlog while it attaches: only the live tail is the relay path.
  const added: number[] = [];
  for (const [id, atA] of onA) {
    const atB = onB.get(id);
    if (id > 11 && id <= deltas + 1 && atB !== undefined) added.push(atB - atA);
  }
  return added;
}

export async function runTwoInstances(options: TwoInstanceOptions): Promise<TwoInstanceResult> {
  const pools = [makePool(options.a.url, options.concurrency), makePool(options.b.url, options.concurrency)];
  try {
    let turn = 0;
    const streamBody = JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'FAKE_DELTAS_20 hi' }] });
    const load = await runLoad({
      total: options.throughputRequests,
      concurrency: options.concurrency,
      maxMs: 120_000,
      task: async () => {
        const pool = pools[turn++ % 2]!;
        const res = await pool.request({
          method: 'POST',
          path: '/api/chat',
          headers: SERVER_HEADERS,
          body: streamBody,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200 || !text.includes('[DONE]'))
          throw new Error(`HTTP ${res.statusCode} ${text.slice(0, 200)}`);
      },
    });
    const relay = [makePool(options.a.url, 2), makePool(options.b.url, 2)];
    const all: number[] = [];
    const perRun: number[] = [];
    try {
      await relayOnce(relay[0]!, relay[1]!, 30, options.paceMs); // warm-up
      for (let i = 0; i < options.relayRuns; i++) {
        const added = await relayOnce(relay[0]!, relay[1]!, options.deltas, options.paceMs);
        all.push(...added);
        perRun.push(round(median(added), 3));
      }
    } finally {
      await Promise.all(relay.map((p) => p.close()));
    }
    const seconds = load.elapsedMs / 1000;
    return {
      streamsPerSecond: round(load.completed / seconds),
      deltasPerSecond: round((load.completed * 20) / seconds),
      streamErrors: load.errors,
      firstError: load.firstError,
      relayedDeltas: all.length,
      addedP50Ms: round(median(all), 3),
      addedP90Ms: round(percentile(all, 90), 3),
      perRunP50Ms: perRun,
    };
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
}
