import {
  ChatStreamDocument,
  type ChatStreamSubscription,
  getSdk,
  type SendChatMutation,
  type SendChatMutationVariables,
} from '../generated/graphql.ts';
import { createAuth, type TokenSupplier } from './auth.ts';
import type { TransportContext } from './context.ts';
import { SdkError } from './errors.ts';
import { createRequester } from './requester.ts';
import { type Subscription, subscribe } from './subscription.ts';
import { createWechatSession, type SessionUser, type WechatSession } from './wechat-session.ts';
import type { WxLike } from './wx-types.ts';

declare const wx: WxLike | undefined;

const CANCEL_WAIT_FOR_RUN_ID_MS = 5000;

export type SendChatInput = SendChatMutationVariables['input'];
export type ChatResult = SendChatMutation['sendChat'];
export type ChatEvent = ChatStreamSubscription['chatStream'];

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
  wx?: WxLike;
  /** `wx.request` timeout for each HTTP request. Default 60000. */
  timeoutMs?: number;
  /** A stream silent for this long (heartbeats included) is reconnected. Default 20000. */
  idleTimeoutMs?: number;
  /** Consecutive reconnects without a new event before a stream fails. Default 3. */
  maxResumeAttempts?: number;
}

export interface ChatStream extends AsyncIterable<ChatEvent> {
  /** The run's id once `ChatStarted` arrived. */
  readonly runId: string | undefined;
  /**
   * Stops the stream and cancels the run on the server (waiting up to 5 s for its id if it just started).
   * Resolves to whether the server confirmed the cancellation; never rejects.
   */
  cancel(): Promise<boolean>;
}

export function createChatClient(options: ChatClientOptions) {
  const runtimeWx = options.wx ?? (typeof wx === 'undefined' ? undefined : wx);
  if (!runtimeWx) throw new SdkError('INVALID_INPUT', 'No `wx` object: pass one in the options.');
  const url = `${options.baseUrl.replace(/\/+$/, '')}/graphql`;
  let session: WechatSession | undefined;
  if (options.wechat) {
    // Sign-in and refresh go without the (possibly expired) access token.
    const guest = getSdk(
      createRequester({
        wx: runtimeWx,
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
    wx: runtimeWx,
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
      const subscription: Subscription<ChatStreamSubscription> = subscribe(context, {
        query: String(ChatStreamDocument),
        variables: { input },
        operationName: 'ChatStream',
      });
      const events: AsyncIterableIterator<ChatEvent> = {
        next: () =>
          subscription
            .next()
            .then((result) => (result.done ? result : { done: false, value: result.value.chatStream })),
        return: () => subscription.return().then(() => ({ done: true, value: undefined })),
        [Symbol.asyncIterator]() {
          return this;
        },
      };
      return {
        [Symbol.asyncIterator]: () => events,
        get runId() {
          return subscription.runId;
        },
        // Cancelling right after starting (a user tapping stop) must still stop the run on the server, so
        // wait briefly for ChatStarted, the first event, to learn its id.
        cancel() {
          return subscription.runIdWithin(CANCEL_WAIT_FOR_RUN_ID_MS).then((runId) => {
            subscription.close();
            return runId === undefined ? false : cancelRun(runId);
          });
        },
      };
    },
  };
}

export type ChatClient = ReturnType<typeof createChatClient>;
