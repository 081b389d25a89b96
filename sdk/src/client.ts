import {
  ChatStreamDocument,
  getSdk,
  type SendChatMutation,
  type SendChatMutationVariables,
} from '../generated/graphql.ts';
import { createAuth, type TokenSupplier } from './auth.ts';
import { type ChatEvent, type ChatStream, openChatStream } from './chat-stream.ts';
import { createClientMethods } from './client-methods.ts';
import type { TransportContext } from './context.ts';
import { SdkError } from './errors.ts';
import type { WxFileSystemLike } from './files.ts';
import { limitConcurrentRequests } from './request-limit.ts';
import { createRequester } from './requester.ts';
import { createWechatSession, type SessionUser, type WechatSession } from './wechat-session.ts';
import type { WxLike } from './wx-types.ts';

declare const wx: (WxLike & Partial<WxFileSystemLike>) | undefined;

export type { ChatEvent, ChatStream };
export type SendChatInput = SendChatMutationVariables['input'];
export type ChatResult = SendChatMutation['sendChat'];

export interface ChatClientOptions {
  /** Server origin, e.g. `https://api.example.com` (the SDK appends `/graphql`). */
  baseUrl: string;
  apiKey?: string;
  /** Called before each request; called again with `{ forceRefresh: true }` after a 401. */
  getToken?: TokenSupplier;
  /**
   * WeChat sign-in: `signIn()` runs wx.login and exchanges the code; the tokens live in wx storage (under
   * `storageKey`, default `openclaw.session`), go with every call, and are refreshed (or signed in again) as needed.
   * Replaces `getToken`.
   */
  wechat?: boolean | { storageKey?: string };
  /** Defaults to the global `wx`. */
  wx?: WxLike & Partial<WxFileSystemLike>;
  /** `wx.request` timeout for each HTTP request. Default 60000 (WeChat's cap; longer streams resume). */
  timeoutMs?: number;
  /** A stream silent for this long (heartbeats included) is reconnected. Default 20000. */
  idleTimeoutMs?: number;
  /** Consecutive reconnects without a new event before a stream fails. Default 3. */
  maxResumeAttempts?: number;
  /** Requests the SDK keeps open at once; later ones wait (WeChat fails an 11th). Default 8, leaving 2 to the app. */
  maxConcurrentRequests?: number;
}

/** Creates the client: every server operation over `wx.request`, streams over chunked SSE. */
export function createChatClient(options: ChatClientOptions) {
  const runtimeWx = options.wx ?? (typeof wx === 'undefined' ? undefined : wx);
  if (!runtimeWx) throw new SdkError('INVALID_INPUT', 'No `wx` object: pass one in the options.');
  const url = `${options.baseUrl.replace(/\/+$/, '')}/graphql`;
  // One queue for every request the client makes, sign-in and refresh included.
  const requestWx = limitConcurrentRequests(runtimeWx, options.maxConcurrentRequests ?? 8);
  let session: WechatSession | undefined;
  if (options.wechat) {
    // Sign-in and refresh go without the (possibly expired) access token.
    const guest = getSdk(
      createRequester({
        wx: requestWx,
        url,
        auth: createAuth({ apiKey: options.apiKey }),
        timeoutMs: options.timeoutMs ?? 60000,
        idleTimeoutMs: 20000,
        maxResumeAttempts: 0,
        resumeDelayMs: 0,
      }),
    );
    const storageKey = (typeof options.wechat === 'object' && options.wechat.storageKey) || 'openclaw.session';
    session = createWechatSession(runtimeWx, storageKey, {
      signIn: (code) => guest.SignInWithWechat({ code }).then((data) => data.signInWithWechat),
      refresh: (refreshToken) => guest.RefreshSession({ refreshToken }).then((data) => data.refreshSession),
    });
  }
  const wechatSession = session;
  const getToken: TokenSupplier | undefined = wechatSession ? (o) => wechatSession.token(o) : options.getToken;
  const context: TransportContext = {
    wx: requestWx,
    url,
    auth: createAuth({ apiKey: options.apiKey, getToken }),
    timeoutMs: options.timeoutMs ?? 60000,
    idleTimeoutMs: options.idleTimeoutMs ?? 20000,
    maxResumeAttempts: options.maxResumeAttempts ?? 3,
    resumeDelayMs: 1000,
  };
  const sdk = getSdk(createRequester(context));

  const cancelRun = (runId: string) =>
    sdk.CancelChat({ runId }).then(
      (data) => data.cancelChat,
      () => false,
    );

  const requireSession = (): WechatSession => {
    if (!wechatSession)
      throw new SdkError('INVALID_INPUT', 'WeChat sign-in is off: create the client with `wechat: true`.');
    return wechatSession;
  };

  return {
    ...sdk,
    ...createClientMethods(sdk, context, runtimeWx, cancelRun),

    /**
     * Signs in with wx.login (a new session, whatever is stored). The user's `status` may be `pending`: show
     * `approvalCode` and ask the operator to approve it, rather than calling chat in a loop.
     */
    signIn(): Promise<SessionUser> {
      return requireSession().signIn();
    },

    /** The signed-in user as the server sees it now (signing in first when there is no session yet). */
    async me(): Promise<SessionUser> {
      return (await sdk.Me()).me;
    },

    /** Ends the session on the server and forgets the stored tokens. */
    async signOut(): Promise<void> {
      const current = requireSession();
      try {
        await sdk.SignOut();
      } finally {
        current.clear();
      }
    },

    /** Sends a chat and waits for the whole answer. */
    async sendChat(input: SendChatInput): Promise<ChatResult> {
      return (await sdk.SendChat({ input })).sendChat;
    },

    /** Streams a chat answer: `ChatStarted`, `ChatDelta`s and `ChatToolCall`s, then `ChatCompleted` or `ChatFailed`. */
    chatStream(input: SendChatInput): ChatStream {
      return openChatStream(
        context,
        { query: String(ChatStreamDocument), variables: { input }, operationName: 'ChatStream' },
        cancelRun,
      );
    },
  };
}

export type ChatClient = ReturnType<typeof createChatClient>;
