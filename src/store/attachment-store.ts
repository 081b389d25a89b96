import type { Kysely } from 'kysely';
import { deleteOrphanBlobs } from './blobs.ts';
import type { Database } from './database.ts';
import type { Executor, StoreSchema } from './schema.ts';

export interface StoredAttachment {
  id: string;
  owner: string;
  kind: 'image' | 'file';
  name: string | null;
  mimeType: string;
  size: number;
  bytes: Uint8Array;
}

/** Attachment bytes and metadata: serving, per-owner accounting and retention. */
export class AttachmentStore {
  readonly #db: Kysely<StoreSchema>;

  constructor(database: Database) {
    this.#db = database.db;
  }

  async read(id: string): Promise<StoredAttachment | undefined> {
    const row = await this.#db
      .selectFrom('attachments')
      .innerJoin('blobs', 'blobs.sha256', 'attachments.sha256')
      .select([
        'attachments.id',
        'attachments.owner',
        'attachments.kind',
        'attachments.name',
        'attachments.mime_type',
        'attachments.size',
        'blobs.bytes',
      ])
      .where('attachments.id', '=', id)
      .executeTakeFirst();
    return (
      row && {
        id: row.id,
        owner: row.owner,
        kind: row.kind,
        name: row.name,
        mimeType: row.mime_type,
        size: row.size,
        bytes: row.bytes,
      }
    );
  }

  /** Bytes the owner's attachments account for (each attachment counts in full, shared bytes or not). */
  async ownerBytes(owner: string, on: Executor = this.#db): Promise<number> {
    const row = await on
      .selectFrom('attachments')
      .select((eb) => eb.fn.sum<number | string | null>('size').as('total'))
      .where('owner', '=', owner)
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  }

  /** Retention: forgets attachments created before `cutoff` and the bytes left unreferenced. */
  async sweep(cutoff: number): Promise<number> {
    return this.#db.transaction().execute(async (tx) => {
      const result = await tx.deleteFrom('attachments').where('created_at', '<', cutoff).executeTakeFirst();
      const removed = Number(result.numDeletedRows);
      if (removed > 0) await deleteOrphanBlobs(tx);
      return removed;
    });
  }
}
