import { channel } from 'node:diagnostics_channel';

export type LeanSurface = 'graphql' | 'trpc';

/**
 * Published each time GraphQL or tRPC answers a call on its lean path (graphql/single-result.ts,
 * trpc/single-call.ts) rather than through the library's own handler: for tests and diagnostics; free when
 * nobody subscribes.
 */
export const leanPathChannel = channel('openclaw-minipro-backend:lean-path');

export function reportLeanPath(surface: LeanSurface, path: string): void {
  if (leanPathChannel.hasSubscribers) leanPathChannel.publish({ surface, path });
}
