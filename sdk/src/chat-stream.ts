import type { ChatStreamSubscription } from '../generated/graphql.ts';
import type { GraphQLRequestBody, TransportContext } from './context.ts';
import { type Subscription, subscribe } from './subscription.ts';

export type ChatEvent = ChatStreamSubscription['chatStream'];

const CANCEL_WAIT_FOR_RUN_ID_MS = 5000;

export interface ChatStream extends AsyncIterable<ChatEvent> {
  /** The run's id once `ChatStarted` arrived. */
  readonly runId: string | undefined;
  /**
   * Stops the stream and cancels the run on the server (waiting up to 5 s for its id if it just started).
   * Resolves to whether the server confirmed the cancellation; never rejects.
   */
  cancel(): Promise<boolean>;
  /**
   * Stops listening without cancelling: the run goes on on the server (e.g. while the app is in the background).
   * Iteration ends; continue later with `client.resumeStream(runId, lastEventId)`.
   */
  detach(): void;
}

/** A chat event subscription (`chatStream` or `chatEvents`) as a ChatStream of bare events. */
export function openChatStream(
  context: TransportContext,
  body: GraphQLRequestBody,
  cancelRun: (runId: string) => Promise<boolean>,
): ChatStream {
  const subscription: Subscription<Record<string, ChatEvent>> = subscribe(context, body);
  const events: AsyncIterableIterator<ChatEvent> = {
    next: () =>
      subscription.next().then((result) => {
        if (result.done) return result;
        const value = result.value;
        return { done: false, value: value[Object.keys(value)[0]!]! };
      }),
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
    detach() {
      subscription.close();
    },
  };
}
