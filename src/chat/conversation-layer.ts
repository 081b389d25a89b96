import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { StoreConfig } from '../config/env.ts';
import { AttachmentStore } from '../store/attachment-store.ts';
import { ConversationStore } from '../store/conversation-store.ts';
import { type Database, openDatabase } from '../store/database.ts';
import { AttachmentUrls } from './attachment-urls.ts';
import { ConversationJournal } from './conversation-journal.ts';
import { Conversations } from './conversations.ts';

export interface ConversationLayer {
  database: Database;
  journal: ConversationJournal;
  api: Conversations;
  /** Waits for the journal's writes in flight, then closes the database. */
  close(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 3_600_000;

/**
 * Opens the store (migrating it), marks answers a previous process left running as interrupted, and keeps
 * attachment retention swept.
 */
export async function openConversationLayer(
  config: StoreConfig,
  log: FastifyBaseLogger,
  options: { recoverRunning: boolean } = { recoverRunning: true },
): Promise<ConversationLayer> {
  const database = await openDatabase({ url: config.databaseUrl, poolSize: config.poolSize });
  const store = new ConversationStore(database);
  const attachments = new AttachmentStore(database);
  const journal = new ConversationJournal({
    store,
    attachments,
    partialSaveMs: config.partialSaveMs,
    commitWindowMs: config.commitWindowMs,
    maxBytesPerOwner: config.attachments.maxBytesPerOwner,
    sharedDatabase: database.dialect === 'postgres',
    log,
  });
  const urls = new AttachmentUrls({
    secret: config.attachments.urlSecret ?? randomBytes(32).toString('base64url'),
    ttlSeconds: config.attachments.urlTtlSeconds,
    publicBaseUrl: config.attachments.publicBaseUrl,
  });
  // Several instances (REDIS_URL) share the store: there only runs whose holder's lease expired are interrupted.
  const interrupted = options.recoverRunning ? await journal.recover() : 0;
  if (interrupted > 0) log.warn({ interrupted }, 'answers left running by the previous process marked interrupted');

  const { retentionMs } = config.attachments;
  const sweep = async () => {
    try {
      const removed = await attachments.sweep(Date.now() - retentionMs);
      if (removed > 0) log.info({ removed }, 'attachments past retention removed');
    } catch (err) {
      log.error({ err }, 'store: attachment retention sweep failed');
    }
  };
  let sweeper: NodeJS.Timeout | undefined;
  if (retentionMs > 0) {
    await sweep();
    sweeper = setInterval(sweep, Math.min(SWEEP_INTERVAL_MS, retentionMs));
    sweeper.unref();
  }
  return {
    database,
    journal,
    api: new Conversations({ store, attachments, urls, settled: () => journal.settled() }),
    async close() {
      clearInterval(sweeper);
      await journal.flush();
      await database.close();
    },
  };
}
