import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { ChatEvent } from '../../src/contract/chat.ts';
import { createAuthenticator } from '../../src/http/auth.ts';
import type { AppRouter } from '../../src/trpc/router.ts';
import { type ContentSecurityWechat, startContentSecurityWechat } from '../fake-wechat/content-security.ts';
import { FAKE_APPID, FAKE_SECRET } from '../fake-wechat/fake-wechat.ts';
import { gql } from '../helpers/fixtures.ts';
import { OTHER_API_KEY, startTestServer, TEST_API_KEY, TEST_AUTH_SECRET, type TestServer } from '../helpers/server.ts';

/** The WeChat user behind TEST_API_KEY in these tests (OTHER_API_KEY stays a plain API key, without one). */
export const TEST_OPENID = 'o-test-user-openid';

export interface ModeratedServer {
  server: TestServer;
  wechat: ContentSecurityWechat;
  /** msg_sec_check calls so far. */
  checks(): { content: string; openid: string }[];
  close(): Promise<void>;
}

/**
 * The real server with MODERATION=wechat in front of a fresh fake WeChat and fake gateway. Until sign-in gives
 * principals their openid, TEST_API_KEY's principal is given one here.
 */
export async function startModeratedServer(
  env: Record<string, string> = {},
  options: { wechat?: ContentSecurityWechat; gateway?: { deltaDelayMs?: number } } = {},
): Promise<ModeratedServer> {
  const wechat = options.wechat ?? (await startContentSecurityWechat());
  const keys = createAuthenticator([TEST_API_KEY, OTHER_API_KEY]);
  const wechatUser = keys({ 'x-api-key': TEST_API_KEY }).id;
  const server = await startTestServer({
    gateway: options.gateway,
    env: {
      MODERATION: 'wechat',
      WECHAT_APPID: FAKE_APPID,
      WECHAT_SECRET: FAKE_SECRET,
      WECHAT_API_BASE: wechat.url,
      AUTH_SECRET: TEST_AUTH_SECRET,
      MODERATION_STREAM_CHARS: '50',
      ...env,
    },
    app: {
      authenticate: (headers) => {
        const principal = keys(headers);
        return principal.id === wechatUser ? { ...principal, openid: TEST_OPENID } : principal;
      },
    },
  });
  return {
    server,
    wechat,
    checks: () => wechat.calls('/wxa/msg_sec_check').map((call) => call.body),
    async close() {
      await server.close();
      if (!options.wechat) await wechat.close();
    },
  };
}

export const RESULT = 'runId conversationId message { content } aiGenerated label';
export const EVENT = /* GraphQL */ `
  __typename
  ... on ChatStarted { runId eventId conversationId }
  ... on ChatDelta { eventId text }
  ... on ChatCompleted { eventId result { ${RESULT} } }
  ... on ChatFailed { eventId code message retracted }
`;
export const SEND = `mutation($input: SendChatInput!) { sendChat(input: $input) { ${RESULT} } }`;
export const STREAM = `subscription($input: SendChatInput!) { chatStream(input: $input) { ${EVENT} } }`;
export const EVENTS = `subscription($runId: ID!) { chatEvents(runId: $runId) { ${EVENT} } }`;

const MESSAGES = /* GraphQL */ `
  query($first: Int) {
    conversations(first: $first) {
      edges { node { id title messages(last: 8) { edges { node { role content status errorCode aiGenerated label } } } } }
    }
  }
`;

export interface StoredMessage {
  role: string;
  content: string;
  status: string | null;
  errorCode: string | null;
  aiGenerated: boolean;
  label: string | null;
}

/** The caller's most recent conversation, as GraphQL reads it back. */
export async function latestConversation(server: TestServer, apiKey = server.apiKey) {
  type Page = {
    conversations: {
      edges: { node: { id: string; title: string; messages: { edges: { node: StoredMessage }[] } } }[];
    };
  };
  const page = await gql<Page>(server.baseUrl, MESSAGES, { first: 1 }, { apiKey });
  const node = page.data?.conversations.edges[0]?.node;
  if (!node) throw new Error(`no conversation: ${JSON.stringify(page.errors)}`);
  return { id: node.id, title: node.title, messages: node.messages.edges.map((e) => e.node) };
}

/** @trpc/client for `server`: httpLink for calls, httpSubscriptionLink (SSE) for chat.events. */
export function trpcClient(server: TestServer, apiKey = server.apiKey): TRPCClient<AppRouter> {
  const url = `${server.baseUrl}/trpc`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) =>
              fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-api-key': apiKey } }),
          },
        }),
        false: httpLink({ url, headers: { 'x-api-key': apiKey } }),
      }),
    ],
  });
}

/** Every event of a run over tRPC's chat.events, until its end. */
export function trpcEvents(client: TRPCClient<AppRouter>, runId: string): Promise<ChatEvent[]> {
  return new Promise((resolve, reject) => {
    const events: ChatEvent[] = [];
    const subscription = client.chat.events.subscribe(
      { runId },
      {
        onData: (tracked) => {
          events.push(tracked.data);
          if (tracked.data.type === 'completed' || tracked.data.type === 'failed') {
            subscription.unsubscribe();
            resolve(events);
          }
        },
        onError: reject,
      },
    );
  });
}
