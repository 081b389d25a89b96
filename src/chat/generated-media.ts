import type { FastifyBaseLogger } from 'fastify';
import type { GeneratedMedia } from '../gateway/events.ts';
import type { AttachmentStore } from '../store/attachment-store.ts';
import { insertAttachments, type NewAttachment } from '../store/conversation-store.ts';
import type { AttachmentRecord } from '../store/records.ts';
import type { WriteBatcher } from '../store/write-batcher.ts';
import { generatedRow } from './attachment-rows.ts';

export interface GeneratedMediaOptions {
  writes: WriteBatcher;
  attachments: AttachmentStore;
  maxBytesPerOwner: number;
  log: FastifyBaseLogger;
}

/** The answer message generated media are attached to. */
export interface MediaTarget {
  owner: string;
  conversationId: string;
  messageId: string;
}

/**
 * Stores the agent's generated media as attachments of the message `target` names when the write runs (a new
 * conversation's id is settled by its start write), owned by its owner within their byte quota (what does not fit
 * is dropped and logged). Resolves with what was stored, in order.
 */
export async function keepGeneratedMedia(
  options: GeneratedMediaOptions,
  runId: string,
  target: () => MediaTarget,
  media: readonly GeneratedMedia[],
): Promise<AttachmentRecord[]> {
  const rows = media.map(generatedRow);
  let kept: NewAttachment[] = [];
  await options.writes.write('generated media', async (tx) => {
    // Set only once inserted: a batch that fails is retried alone, and one that fails again keeps nothing.
    kept = [];
    const to = target();
    let room = options.maxBytesPerOwner - (await options.attachments.ownerBytes(to.owner, tx));
    const fitting = rows.filter((row) => {
      if (row.bytes.length > room) return false;
      room -= row.bytes.length;
      return true;
    });
    await insertAttachments(tx, { ...to, now: Date.now() }, fitting);
    kept = fitting;
  });
  if (kept.length < rows.length) {
    options.log.warn(
      { runId, dropped: rows.length - kept.length },
      'generated media not stored: over the owner’s attachment quota, or the store failed',
    );
  }
  return kept.map((a) => ({ id: a.id, kind: a.kind, name: a.name, mimeType: a.mimeType, size: a.bytes.length }));
}
