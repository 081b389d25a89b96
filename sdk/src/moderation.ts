import type { ChatEvent } from './client.ts';

type ChatFailed = Extract<ChatEvent, { __typename: 'ChatFailed' }>;

/**
 * True for the event that withdraws an answer: content moderation refused it (or could not check it) after some of
 * it may have been shown. The app removes the text it showed for this run and may show `event.message` instead.
 */
export function isRetraction(event: ChatEvent): event is ChatFailed {
  return event.__typename === 'ChatFailed' && event.retracted;
}
