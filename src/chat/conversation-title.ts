import type { SendChatInput } from '../contract/chat.ts';

export const MAX_TITLE_CHARS = 30;
export const MAX_RENAMED_TITLE_CHARS = 100;

/** The user's turn: the last message, which prepare() has checked is the user's. */
export const userTurnText = (input: SendChatInput): string => input.messages.at(-1)?.content ?? '';

/** A conversation's first title: the first user text, whitespace collapsed, at most 30 characters; no model call. */
export function titleFrom(input: SendChatInput): string {
  const text = userTurnText(input)
    .slice(0, 4 * MAX_TITLE_CHARS + 64)
    .replace(/\s+/g, ' ')
    .trim();
  // Code points, not UTF-16 units: an emoji is never cut in half.
  const title = Array.from(text).slice(0, MAX_TITLE_CHARS).join('').trim();
  if (title !== '') return title;
  const kinds = new Set((input.attachments ?? []).map((a) => a.type));
  return kinds.has('image') ? 'Image' : kinds.has('file') ? 'File' : 'New conversation';
}
