/**
 * In-process micro-bench of the store's work per persisted turn: journal.open + track + the run's end, on a real
 * SQLite file, c turns in flight at a time, each continuing one of c conversations (as bench:store does).
 * Prints CPU µs per turn (process.cpuUsage). `node bench/store-micro.ts [turns] [concurrency]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ConversationJournal } from '../src/chat/conversation-journal.ts';
import type { Principal } from '../src/chat/principal.ts';
import { Run } from '../src/chat/run.ts';
import { AttachmentStore } from '../src/store/attachment-store.ts';
import { ConversationStore } from '../src/store/conversation-store.ts';
import { openDatabase } from '../src/store/database.ts';

const turns = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.argv[3] ?? 8);
const dir = mkdtempSync(join(tmpdir(), 'store-micro-'));
const database = await openDatabase({ url: `sqlite:${join(dir, 'bench.sqlite')}` });
const store = new ConversationStore(database);
const journal = new ConversationJournal({
  store,
  attachments: new AttachmentStore(database),
  partialSaveMs: 5_000,
  maxBytesPerOwner: 1 << 30,
  log: pino({ level: 'silent' }),
});
const principal = { id: 'bench-principal', label: 'bench' } as unknown as Principal;
const request = { attachments: [] } as never;
const input = (conversationId?: string) => ({ messages: [{ role: 'user', content: 'hello world' }], conversationId });

async function turn(conversationId?: string): Promise<string> {
  const opened = await journal.open(principal, input(conversationId) as never);
  const run = new Run(principal.id, 'model');
  journal.track(principal, input(conversationId) as never, request, run, opened);
  run.emit({ type: 'delta', text: 'ECHO hello world' } as never);
  run.emit({
    type: 'completed',
    result: {
      message: { role: 'assistant', content: 'ECHO hello world' },
      usage: null,
      finishReason: 'stop',
      attachments: [],
    },
  } as never);
  await journal.recorded(run);
  return opened.id;
}

const conversations = await Promise.all(Array.from({ length: concurrency }, () => turn()));
async function load(total: number): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    conversations.map(async () => {
      while (next < total) await turn(conversations[next++ % concurrency]);
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / total;
}
await load(Math.min(5_000, turns));
const rounds = [];
for (let r = 0; r < 5; r++) rounds.push(await load(turns));
rounds.sort((a, b) => a - b);
process.stdout.write(
  `store micro: ${rounds.map((r) => r.toFixed(0)).join(' ')} µs CPU per turn (median ${rounds[2]!.toFixed(0)}, c=${concurrency})\n`,
);
await journal.flush();
await database.close();
rmSync(dir, { recursive: true, force: true });
