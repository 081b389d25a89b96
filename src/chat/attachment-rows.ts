import { createHash } from 'node:crypto';
import type { ValidatedAttachment } from '../gateway/attachments.ts';
import type { GeneratedMedia } from '../gateway/events.ts';
import type { NewAttachment } from '../store/conversation-store.ts';
import { newId } from '../store/ids.ts';

const row = (kind: NewAttachment['kind'], name: string | null, mimeType: string, bytes: Uint8Array): NewAttachment => ({
  id: newId('a'),
  kind,
  name,
  mimeType,
  sha256: createHash('sha256').update(bytes).digest('hex'),
  bytes,
});

/** A user's validated upload (base64), as the attachment row it is stored as. */
export function uploadedRow(attachment: ValidatedAttachment): NewAttachment {
  const base64 = typeof attachment.data === 'string' ? attachment.data : attachment.data.toString();
  const name = attachment.kind === 'file' ? attachment.filename : null;
  return row(attachment.kind, name, attachment.mimeType, Buffer.from(base64, 'base64'));
}

/** Media the agent generated, as the attachment row it is stored as. */
export function generatedRow(media: GeneratedMedia): NewAttachment {
  return row(media.kind, media.name, media.mimeType, media.bytes);
}
