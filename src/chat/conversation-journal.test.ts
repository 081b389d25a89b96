import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { SendChatInput } from '../contract/chat.ts';
import type { GatewayChatRequest } from '../gateway/translate.ts';
import { AttachmentStore } from '../store/attachment-store.ts';
import { ConversationStore } from '../store/conversation-store.ts';
import { type Database, openDatabase } from '../store/database.ts';
import { ConversationJournal } from './conversation-journal.ts';
import type { Principal } from './principal.ts';
import { Run } from './run.ts';

const principal = { id: 'owner-1' } as Principal;
const input: SendChatInput = { messages: [{ role: 'user', content: 'hello' }] };
const request = { attachments: [] } as unknown as GatewayChatRequest;

let database: Database | undefined;
afterEach(async () => {
  await database?.close();
  database = undefined;
});

/** A journal on an in-memory SQLite store whose commit window no test waits out; one completed run in it. */
async function answeredTurn(sharedDatabase: boolean) {
  database = await openDatabase({ url: 'sqlite::memory:' });
  const store = new ConversationStore(database);
  const journal = new ConversationJournal({
    store,
    attachments: new AttachmentStore(database),
    partialSaveMs: 60_000,
    commitWindowMs: 1_000,
    maxBytesPerOwner: 1 << 20,
    sharedDatabase,
    log: pino({ level: 'silent' }),
  });
  const opened = await journal.open(principal, input);
  const run = new Run(principal.id, 'model');
  journal.track(principal, input, request, run, opened);
  run.emit({
    type: 'completed',
    result: {
      runId: run.id,
      model: 'model',
      message: { role: 'assistant', content: 'hi' },
      usage: null,
      finishReason: 'stop',
      attachments: [],
      aiGenerated: false,
      label: null,
    },
  });
  await run.result;
  await journal.answerable();
  const stored = async () => (await store.get(principal.id, opened.id)) !== undefined;
  return { journal, stored };
}

describe('ConversationJournal.answerable', () => {
  it('waits for the commit where other instances read the same database', async () => {
    const { stored } = await answeredTurn(true);
    expect(await stored()).toBe(true);
  });

  it('does not end the commit window on a database of its own (its reads settle first)', async () => {
    const { journal, stored } = await answeredTurn(false);
    expect(await stored()).toBe(false);
    await journal.settled();
    expect(await stored()).toBe(true);
  });
});
