import type { ChatMessageInput } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import type { Verdict } from './moderation.ts';

/** The user's own words in this turn (after the last answer): what moderation checks before anything goes upstream. */
export const userTurn = (messages: readonly ChatMessageInput[]) =>
  messages
    .slice(messages.findLastIndex((m) => m.role === 'assistant') + 1)
    .filter((m) => m.role === 'user')
    .map((m) => m.content)
    .join('\n');

export const rejectedInput = () =>
  new AppError('CONTENT_REJECTED', 'This message was not sent: it did not pass the content check. Please rephrase it.');
export const uncheckedInput = () =>
  new AppError(
    'UPSTREAM_UNAVAILABLE',
    'Messages cannot be checked right now, so this one was not sent; try again shortly.',
  );
export const withdrawn = (verdict: Verdict) =>
  verdict.allowed || verdict.reason === 'rejected'
    ? new AppError('CONTENT_REJECTED', 'The answer was withheld by the content check.')
    : new AppError('UPSTREAM_UNAVAILABLE', 'The answer could not be checked, so it was withheld; ask again shortly.');
