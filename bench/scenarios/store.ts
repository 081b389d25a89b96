/**
 * Scenario: the store's share of a persisted GraphQL `sendChat`. Two servers of the same build: one on SQLite, one
 * without a store (DATABASE_URL=none). Both answer the same sendChat; on the stored one every call continues one of
 * `concurrency` conversations (its conversationId), so each turn finds its conversation (read once, then known: see
 * src/store/known-conversations.ts), writes one transaction at the start and one update at the end. Blocks alternate
 * between the servers (rotating order); the figures are medians of server CPU per request, and the store's share is
 * the median of the same-round differences.
 * Then a sustained load of new conversations on the stored server, with its RSS read after every block.
 */
import type { Pool } from 'undici';
import { checkedPost, makePool, median, post, range, round, runLoad } from '../load.ts';
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
    const block = async (side: (typeof sides)[number], total: number) => {
      await sleep(SETTLE_MS);
      const before = cpuMicros(side.proc.pid);
      const load = await runLoad({ total, concurrency: options.concurrency, maxMs: 120_000, task: side.task });
      await sleep(SETTLE_MS);
      errors += load.errors;
      firstError ??= load.firstError;
      if (load.completed === 0) throw new Error(`store bench (${side.name}): ${load.firstError}`);
      return (cpuMicros(side.proc.pid) - before) / Math.max(1, load.requested);
    };
    for (const side of sides) await block(side, options.warmup);

    const perRound: StoreResult['perRound'] = [];
    for (let r = 0; r < options.rounds; r++) {
      const order = r % 2 === 0 ? sides : [...sides].reverse();
      const cpu: Record<string, number> = {};
      for (const side of order) cpu[side.name] = await block(side, options.requests);
      perRound.push({ storedCpuUs: round(cpu.stored!), statelessCpuUs: round(cpu.stateless!) });
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
      rssAfterBlocksMb.push(round(memStatus(options.stored.pid).rssKb / 1024));
    }

    const shares = perRound.map((p) => p.storedCpuUs - p.statelessCpuUs);
    return {
      storedCpuUs: round(median(perRound.map((p) => p.storedCpuUs))),
      statelessCpuUs: round(median(perRound.map((p) => p.statelessCpuUs))),
      storeShareUs: round(median(shares)),
      storeShareRangeUs: range(shares.map((s) => round(s))),
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
