import type { TRPCClient } from '@trpc/client';
import type { ChatEvent } from '../../src/contract/chat.ts';
import type { AppRouter } from '../../src/trpc/router.ts';
import {
  type ContentSecurityWechat,
  contentSecurityEndpoints,
  contentSecurityOf,
} from '../fake-wechat/content-security.ts';
import { type Credentials, gql } from '../helpers/fixtures.ts';
import { bearer, signIn, type TestSession } from '../helpers/identity.ts';
import type { ChatRequestOptions } from '../helpers/rest.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { trpcClientAt } from '../helpers/trpc-client.ts';

/** The WeChat user these tests chat as (signed in with `code-moderated-<n>`); API keys carry no openid. */
export const TEST_OPENID = 'o_moderated';

export interface ModeratedServer {
  server: TestServer;
  wechat: ContentSecurityWechat;
  /** The signed-in WeChat user (openid TEST_OPENID) whose turns and answers are moderated. */
  user: TestSession;
  /** Its credentials: Authorization: Bearer <access token>. */
  auth: Credentials;
  /** The same, for postChat. */
  rest: ChatRequestOptions;
  /** msg_sec_check calls so far. */
  checks(): { content: string; openid: string }[];
  close(): Promise<void>;
}

/**
 * The real server with MODERATION=wechat in front of a fresh fake gateway and a fake WeChat API (fresh, or `wechat`
 * shared with another server), with a user signed in through it (ACCESS_POLICY=open: active at once).
 */
export async function startModeratedServer(
  env: Record<string, string> = {},
  options: { wechat?: ContentSecurityWechat; gateway?: { deltaDelayMs?: number } } = {},
): Promise<ModeratedServer> {
  const endpoints = options.wechat ? undefined : contentSecurityEndpoints();
  const server = await startTestServer({
    gateway: options.gateway,
    ...(options.wechat ? { sharedWechat: options.wechat.wechat } : { wechat: { handlers: endpoints?.handlers } }),
    env: { MODERATION: 'wechat', ACCESS_POLICY: 'open', MODERATION_STREAM_CHARS: '50', ...env },
  });
  if (!server.wechat) throw new Error('the moderated server has no fake WeChat API');
  const wechat = options.wechat ?? contentSecurityOf(server.wechat, endpoints ?? contentSecurityEndpoints());
  const user = await signIn(server, 'moderated');
  return {
    server,
    wechat,
    user,
    auth: bearer(user.accessToken),
    rest: { apiKey: user.accessToken, bearer: true },
    checks: () => wechat.calls('/wxa/msg_sec_check').map((call) => call.body),
    close: () => server.close(),
  };
}

/** An API key's credentials (the server's first one by default). */
export const apiKeyAuth = (server: TestServer, apiKey = server.apiKey): Credentials => ({ 'x-api-key': apiKey });

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
export async function latestConversation(server: TestServer, auth = apiKeyAuth(server)) {
  type Page = {
    conversations: {
      edges: { node: { id: string; title: string; messages: { edges: { node: StoredMessage }[] } } }[];
    };
  };
  const page = await gql<Page>(server.baseUrl, MESSAGES, { first: 1 }, { headers: auth });
  const node = page.data?.conversations.edges[0]?.node;
  if (!node) throw new Error(`no conversation: ${JSON.stringify(page.errors)}`);
  return { id: node.id, title: node.title, messages: node.messages.edges.map((e) => e.node) };
}

/** @trpc/client for `server` with the given credentials (the API key by default). */
export function trpcClient(server: TestServer, auth = apiKeyAuth(server)): TRPCClient<AppRouter> {
  return trpcClientAt(server.baseUrl, auth);
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
