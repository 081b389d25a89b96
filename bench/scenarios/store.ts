/**
 * Scenario: the store's share of a persisted GraphQL `sendChat`. Two servers of the same build: one on SQLite, one
 * without a store (DATABASE_URL=none). Both answer the same sendChat; on the stored one every call continues one of
 * `concurrency` conversations (its conversationId), so each turn finds its conversation (read once, then known: see
 * src/store/known-conversations.ts), writes its start and its end through the group commit. The two servers are
 * loaded at the same time, in every round and in the warm-up, and the store's share is the median of the
 * same-round differences of server CPU per request (the mean over all rounds is reported beside it):
 * - at the same time, because this machine's speed drifts by tens of percent from one second to the next (other
 *   tenants), which alternating blocks turned into ±300 µs same-round differences;
 * - never idle, because V8 flushes the code of an idle process and compiles it again when load returns;
 * - after a long warm-up, because V8 keeps optimizing the hot path for the first ~20,000 requests (TurboFan
 *   compiles of 5–36 ms each, in waves) and those waves landed in the measured rounds.
 * Then a sustained load of new conversations on the stored server, with its RSS read after every block.
 */
import type { Pool } from 'undici';
import { checkedPost, makePool, median, post, range, round as roundTo, runLoad } from '../load.ts';
import { cpuMicros, memStatus, type Proc, sleep, startServer, stopProc } from '../processes.ts';
import { SERVER_HEADERS } from '../requests.ts';

export interface StoreOptions {
  stored: Proc;
  stateless: Proc;
  warmup: number;
  rounds: number;
  requests: number;
  concurrency: number;
  newConversations: { blocks: number; requests: number };
}

export interface StoreResult {
  storedCpuUs: number;
  statelessCpuUs: number;
  /** Median of the per-round differences. */
  storeShareUs: number;
  /** Difference of the two sides' CPU over all rounds, per request. */
  meanShareUs: number;
  storeShareRangeUs: [number, number];
  perRound: Array<{ storedCpuUs: number; statelessCpuUs: number }>;
  newConversations: number;
  /** Stored server's VmRSS after each block of new conversations. */
  rssAfterBlocksMb: number[];
  errors: number;
  firstError: string | undefined;
}

const SEND =
  'mutation Send($input: SendChatInput!) { sendChat(input: $input) { runId conversationId message { content } } }';
const body = (conversationId?: string) =>
  JSON.stringify({
    query: SEND,
    variables: { input: { messages: [{ role: 'user', content: 'hello world' }], conversationId } },
  });
const SETTLE_MS = 100;

/** The stored side's call: opens `count` conversations, then each call continues the next one in turn. */
export async function continuingTask(pool: Pool, count: number): Promise<() => Promise<void>> {
  const conversations: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await post(pool, '/graphql', SERVER_HEADERS, body());
    const id = (JSON.parse(res.text) as { data?: { sendChat?: { conversationId?: string } } }).data?.sendChat
      ?.conversationId;
    if (!id) throw new Error(`store bench: could not create a conversation: ${res.text.slice(0, 200)}`);
    conversations.push(id);
  }
  const bodies = conversations.map(body);
  let next = 0;
  return async () => {
    const res = await post(pool, '/graphql', SERVER_HEADERS, bodies[next++ % bodies.length]!);
    if (res.status !== 200 || !res.text.includes('ECHO')) throw new Error(`stored: ${res.text.slice(0, 200)}`);
  };
}

/** The same sendChat without a conversation (the side without a store). */
export const statelessTask = (pool: Pool) => checkedPost(pool, '/graphql', SERVER_HEADERS, body(), 'ECHO');

export async function runStore(options: StoreOptions): Promise<StoreResult> {
  const storedPool = makePool(options.stored.url, options.concurrency);
  const statelessPool = makePool(options.stateless.url, options.concurrency);
  try {
    const stored = await continuingTask(storedPool, options.concurrency);
    const stateless = statelessTask(statelessPool);
    const sides = [
      { name: 'stored', proc: options.stored, task: stored },
      { name: 'stateless', proc: options.stateless, task: stateless },
    ] as const;
    let errors = 0;
    let firstError: string | undefined;
    const totals = { storedUs: 0, statelessUs: 0, storedRequests: 0, statelessRequests: 0 };
    /** Both sides under load at once; each side's server CPU per request over the same stretch of time. */
    const round = async (total: number) => {
      await sleep(SETTLE_MS);
      const before = sides.map((side) => cpuMicros(side.proc.pid));
      const loads = await Promise.all(
        sides.map((side) =>
          runLoad({ total, concurrency: options.concurrency, maxMs: 300_000, task: side.task }).then((load) => ({
            load,
            cpuUs: cpuMicros(side.proc.pid),
          })),
        ),
      );
      await sleep(SETTLE_MS);
      return loads.map(({ load, cpuUs }, i) => {
        errors += load.errors;
        firstError ??= load.firstError;
        if (load.completed === 0) throw new Error(`store bench (${sides[i]!.name}): ${load.firstError}`);
        return { usedUs: cpuUs - before[i]!, requests: load.requested };
      });
    };
    await round(options.warmup);

    const perRound: StoreResult['perRound'] = [];
    for (let r = 0; r < options.rounds; r++) {
      const [s, l] = await round(options.requests);
      totals.storedUs += s!.usedUs;
      totals.storedRequests += s!.requests;
      totals.statelessUs += l!.usedUs;
      totals.statelessRequests += l!.requests;
      perRound.push({
        storedCpuUs: roundTo(s!.usedUs / Math.max(1, s!.requests)),
        statelessCpuUs: roundTo(l!.usedUs / Math.max(1, l!.requests)),
      });
    }

    const fresh = checkedPost(storedPool, '/graphql', SERVER_HEADERS, body(), 'ECHO');
    const rssAfterBlocksMb: number[] = [];
    let created = 0;
    for (let b = 0; b < options.newConversations.blocks; b++) {
      const load = await runLoad({
        total: options.newConversations.requests,
        concurrency: options.concurrency,
        maxMs: 120_000,
        task: fresh,
      });
      created += load.completed;
      errors += load.errors;
      firstError ??= load.firstError;
      rssAfterBlocksMb.push(roundTo(memStatus(options.stored.pid).rssKb / 1024));
    }

    const shares = perRound.map((p) => p.storedCpuUs - p.statelessCpuUs);
    return {
      storedCpuUs: roundTo(median(perRound.map((p) => p.storedCpuUs))),
      statelessCpuUs: roundTo(median(perRound.map((p) => p.statelessCpuUs))),
      storeShareUs: roundTo(median(shares)),
      meanShareUs: roundTo(
        totals.storedUs / Math.max(1, totals.storedRequests) -
          totals.statelessUs / Math.max(1, totals.statelessRequests),
      ),
      storeShareRangeUs: range(shares.map((s) => roundTo(s))),
      perRound,
      newConversations: created,
      rssAfterBlocksMb,
      errors,
      firstError,
    };
  } finally {
    await Promise.all([storedPool.close(), statelessPool.close()]);
  }
}

/** Starts the two servers (SQLite, and DATABASE_URL=none) before `fake`, runs the scenario, stops them. */
export async function measureStore(
  fake: Proc,
  options: Omit<StoreOptions, 'stored' | 'stateless'>,
): Promise<StoreResult> {
  const stored = await startServer({ gatewayUrl: fake.url, name: 'server (SQLite store)' });
  const stateless = await startServer({
    gatewayUrl: fake.url,
    name: 'server (no store)',
    env: { DATABASE_URL: 'none' },
  });
  try {
    return await runStore({ stored, stateless, ...options });
  } finally {
    await Promise.all([stopProc(stored), stopProc(stateless)]);
  }
}
