import type { ChatResult, StoredMessage } from '@openclaw-minipro/sdk';
import { absoluteUrl } from '../../services/client';
import { describeCode } from '../../utils/errors';

// What the chat page shows for a message, as plain data for `setData`.

/** Neutral wording for an answer moderation withdrew: no reason, nothing of the answer. */
export const WITHDRAWN = '该回答已撤回';

export interface ViewMessage {
  key: string;
  /** `divider`: a line in the list, e.g. where a new agent session began. */
  role: 'user' | 'assistant' | 'divider';
  text: string;
  images?: string[];
  files?: string[];
  status?: 'streaming' | 'done' | 'failed' | 'stopped' | 'interrupted' | 'withdrawn';
  tool?: string;
  label?: string;
  error?: string;
  /** A neutral notice in place of the text (a withdrawn answer). */
  notice?: string;
  retry?: boolean;
  generatedImages?: { url: string; alt: string }[];
  generatedFiles?: { url: string; name: string }[];
}

export function generatedAttachments(result: Pick<ChatResult, 'attachments'>) {
  const images: { url: string; alt: string }[] = [];
  const files: { url: string; name: string }[] = [];
  for (const attachment of result.attachments || []) {
    if (attachment.__typename === 'ImageAttachment')
      images.push({ url: absoluteUrl(attachment.url), alt: attachment.alt || '' });
    else files.push({ url: absoluteUrl(attachment.url), name: attachment.name || '文件' });
  }
  return { images, files };
}

/** The server's label (AI_LABEL_TEXT), shown only under AI-generated content: never a text of our own. */
export function labelOf(result: { aiGenerated: boolean; label?: string | null }): string {
  return result.aiGenerated && result.label ? result.label : '';
}

/** A stored message as the page shows it (a conversation opened, earlier messages loaded). */
export function viewOfStored(message: StoredMessage): ViewMessage {
  const generated = generatedAttachments(message);
  if (message.role === 'user') {
    return {
      key: message.id,
      role: 'user',
      text: message.content,
      images: generated.images.map((i) => i.url),
      files: generated.files.map((f) => f.name),
    };
  }
  const failed = message.status === 'failed' || message.status === 'cancelled';
  const withdrawn = message.status === 'hidden';
  return {
    key: message.id,
    role: 'assistant',
    text: withdrawn ? '' : message.content,
    status: message.status === 'running' ? 'streaming' : withdrawn ? 'withdrawn' : failed ? 'failed' : 'done',
    error: failed ? describeCode(message.errorCode || 'INTERNAL', '') : '',
    notice: withdrawn ? WITHDRAWN : '',
    label: labelOf(message),
    generatedImages: generated.images,
    generatedFiles: generated.files,
  };
}
