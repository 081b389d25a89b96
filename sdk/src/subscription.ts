import { ChatEventsDocument } from '../generated/graphql.ts';
import { Channel } from './channel.ts';
import type { GraphQLRequestBody, TransportContext } from './context.ts';
import { errorFromResponse, isRefreshable, SdkError } from './errors.ts';
import type { SseEvent } from './sse.ts';
import { openSseRequest, type SseConnection } from './sse-request.ts';

export interface Subscription<R> extends AsyncIterableIterator<R> {
  /** The chat run this stream belongs to, once its first event arrived. */
  readonly runId: string | undefined;
  /** Stops the stream: the request is aborted and iteration ends without an error. */
  close(): void;
  /** The run id as soon as it is known; undefined if the stream ends first or `timeoutMs` passes. */
  runIdWithin(timeoutMs: number): Promise<string | undefined>;
  /** Called by `for await` on `break`: aborts the request. */
  return(): Promise<IteratorResult<R>>;
}

interface ChatEventLike {
  __typename?: string;
  runId: string;
  eventId: string;
}

const STREAM_HEADERS = { 'Content-Type': 'application/json', Accept: 'text/event-stream' };
const TERMINAL_EVENTS = ['ChatCompleted', 'ChatFailed'];
const RESUMABLE_CODES = ['TIMEOUT', 'NETWORK_ERROR'];

function asChatEvent(value: unknown): ChatEventLike | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const candidate = value as Partial<ChatEventLike>;
  return typeof candidate.runId === 'string' && typeof candidate.eventId === 'string'
    ? (value as ChatEventLike)
    : undefined;
}

/**
 * A GraphQL subscription over SSE. Streams of chat events (values with `runId` and `eventId`) survive dead
 * connections: after an idle timeout or network failure the stream re-attaches with `ChatEvents(runId, after)`,
 * skipping any event already delivered, and results keep the root field name of the original operation.
 */
export function subscribe<R>(
  context: TransportContext,
  request: GraphQLRequestBody,
  extraHeader: Record<string, string> = {},
): Subscription<R> {
  let connection: SseConnection | undefined;
  let resumeTimer: ReturnType<typeof setTimeout> | undefined;
  let rootField: string | undefined;
  let runId: string | undefined;
  let lastEventId: string | undefined;
  /** Whether the current connection already asked for a fresh token: each connection may retry a 401 once. */
  let refreshedToken = false;
  /** The Authorization header of the current connection: on a refusal, the supplier learns which token failed. */
  let usedAuthorization: string | undefined;
  let failedResumes = 0;
  let runIdWaiters: Array<() => void> = [];
  const settleRunIdWaiters = () => {
    const waiters = runIdWaiters;
    runIdWaiters = [];
    for (const wake of waiters) wake();
  };

  const stop = () => {
    connection?.close();
    connection = undefined;
    if (resumeTimer !== undefined) clearTimeout(resumeTimer);
    resumeTimer = undefined;
  };
  const channel = new Channel<R>(stop);
  const finish = (error?: SdkError) => {
    stop();
    channel.close(error);
    settleRunIdWaiters();
  };

  const resume = (cause: SdkError) => {
    stop();
    if (runId === undefined || failedResumes >= context.maxResumeAttempts) {
      finish(cause);
      return;
    }
    failedResumes++;
    const body: GraphQLRequestBody = {
      query: String(ChatEventsDocument),
      variables: lastEventId === undefined ? { runId } : { runId, after: lastEventId },
      operationName: 'ChatEvents',
    };
    const delay = (failedResumes - 1) * context.resumeDelayMs;
    resumeTimer = setTimeout(() => connect(body, false), delay);
  };

  const handleError = (error: SdkError, body: GraphQLRequestBody) => {
    if (isRefreshable(error) && context.auth.canRefresh && !refreshedToken) {
      stop();
      connect(body, true, usedAuthorization);
    } else if (RESUMABLE_CODES.indexOf(error.code) !== -1 && runId !== undefined) {
      resume(error);
    } else {
      finish(error);
    }
  };

  const handleEnd = () => {
    if (runId !== undefined) resume(new SdkError('NETWORK_ERROR', 'The stream ended before the run finished.'));
    else finish();
  };

  const handleEvent = (event: SseEvent, body: GraphQLRequestBody) => {
    if (event.event === 'complete') {
      stop();
      handleEnd();
      return;
    }
    if (event.event !== 'next' && event.event !== 'message') return;
    let payload: { data?: Record<string, unknown> | null } | undefined;
    try {
      payload = JSON.parse(event.data);
    } catch {
      finish(new SdkError('BAD_RESPONSE', 'The server sent a malformed event.'));
      return;
    }
    const error = errorFromResponse(200, payload);
    if (error) {
      handleError(error, body);
      return;
    }
    const data = payload?.data;
    const field = data ? Object.keys(data)[0] : undefined;
    if (!data || field === undefined) return;
    if (rootField === undefined) rootField = field;
    const value = data[field];
    const chatEvent = asChatEvent(value);
    if (chatEvent) {
      // Event ids count up from 1; a resume replays from `after`, so anything not newer was delivered already.
      if (lastEventId !== undefined && Number(chatEvent.eventId) <= Number(lastEventId)) return;
      runId = chatEvent.runId;
      lastEventId = chatEvent.eventId;
      failedResumes = 0;
      settleRunIdWaiters();
    }
    channel.push((field === rootField ? data : { [rootField]: value }) as R);
    if (chatEvent && TERMINAL_EVENTS.indexOf(chatEvent.__typename ?? '') !== -1) finish();
  };

  const connect = (body: GraphQLRequestBody, forceRefresh: boolean, rejected?: string) => {
    resumeTimer = undefined;
    refreshedToken = forceRefresh;
    context.auth.headers(forceRefresh, rejected).then(
      (authHeader) => {
        if (channel.isClosed) return;
        usedAuthorization = authHeader.Authorization;
        connection = openSseRequest(
          {
            wx: context.wx,
            url: context.url,
            header: { ...STREAM_HEADERS, ...extraHeader, ...authHeader },
            body: JSON.stringify(body),
            timeoutMs: context.timeoutMs,
            idleTimeoutMs: context.idleTimeoutMs,
          },
          {
            onEvent: (event) => handleEvent(event, body),
            onEnd: () => {
              connection = undefined;
              handleEnd();
            },
            onError: (error) => {
              connection = undefined;
              handleError(error, body);
            },
          },
        );
      },
      (error: SdkError) => finish(error),
    );
  };

  connect(request, false);

  return {
    next: () => channel.next(),
    return: () => channel.return(),
    [Symbol.asyncIterator]() {
      return this;
    },
    get runId() {
      return runId;
    },
    close: () => finish(),
    runIdWithin(timeoutMs: number) {
      if (runId !== undefined || channel.isClosed) return Promise.resolve(runId);
      return new Promise<string | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(runId), timeoutMs);
        runIdWaiters.push(() => {
          clearTimeout(timer);
          resolve(runId);
        });
      });
    },
  };
}
