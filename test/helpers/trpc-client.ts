import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../../src/trpc/router.ts';

/**
 * @trpc/client for the server at `baseUrl`, sending `headers` (an API key or a bearer token) on every call: httpLink
 * for queries and mutations, httpSubscriptionLink (SSE, through the eventsource package) for subscriptions.
 */
export function trpcClientAt(baseUrl: string, headers: Record<string, string>): TRPCClient<AppRouter> {
  const url = `${baseUrl}/trpc`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) =>
              fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
          },
        }),
        false: httpLink({ url, headers }),
      }),
    ],
  });
}
