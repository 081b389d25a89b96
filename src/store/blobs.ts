import type { Executor } from './schema.ts';

/** Deletes the blobs among `hashes` that no attachment references any more. */
export async function deleteOrphanBlobs(tx: Executor, hashes?: string[]) {
  if (hashes?.length === 0) return;
  let query = tx
    .deleteFrom('blobs')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(selectFrom('attachments').select('attachments.id').whereRef('attachments.sha256', '=', 'blobs.sha256')),
      ),
    );
  if (hashes) query = query.where('sha256', 'in', hashes);
  await query.execute();
}
