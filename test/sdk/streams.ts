import { expect } from 'vitest';
import type { ChatEvent } from '../../sdk/src/index.ts';

export const ask = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

export async function collect(stream: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/**
 * Checks a whole run as a client saw it: ChatStarted first, ChatCompleted last, event ids 1, 2, 3, …
 * (nothing lost, nothing repeated), and the deltas adding up to the final message. Returns that text.
 */
export function streamedText(events: ChatEvent[]): string {
  expect(events[0]?.__typename).toBe('ChatStarted');
  const last = events.at(-1);
  if (last?.__typename !== 'ChatCompleted') throw new Error(`run ended with ${JSON.stringify(last)}`);
  expect(events.map((event) => Number(event.eventId))).toEqual(events.map((_, index) => index + 1));
  const text = events.map((event) => (event.__typename === 'ChatDelta' ? event.text : '')).join('');
  expect(text).toBe(last.result.message.content);
  return text;
}
