import { bodyToJson, bodyToText } from './body.ts';
import { errorFromFail, errorFromResponse, isSuccessStatus, SdkError } from './errors.ts';
import { type SseEvent, SseParser } from './sse.ts';
import { Utf8Decoder } from './utf8.ts';
import { headerValue, type WxChunk, type WxHeadersReceived, type WxLike, type WxRequestTask } from './wx-types.ts';

export interface SseRequest {
  wx: WxLike;
  url: string;
  header: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Silence (no chunk, not even a heartbeat) longer than this aborts the request with a TIMEOUT error. */
  idleTimeoutMs: number;
}

export interface SseHandlers {
  onEvent(event: SseEvent): void;
  /** The body ended normally (HTTP 2xx). */
  onEnd(): void;
  /** Network failure, idle timeout or an HTTP error status; nothing is delivered after it. */
  onError(error: SdkError): void;
}

export interface SseConnection {
  /** Stops the request; no handler is called afterwards, even if the runtime keeps delivering chunks. */
  close(): void;
}

/** Error bodies are small; an SSE body is not kept once it has produced an event. */
const MAX_KEPT_BODY = 65536;

/**
 * POSTs with `enableChunked` and parses the body as SSE, whichever way the runtime delivers it: chunks of any size
 * (split inside characters, lines or events), or no chunk at all and the whole body in `success`.
 */
export function openSseRequest(request: SseRequest, handlers: SseHandlers): SseConnection {
  const decoder = new Utf8Decoder();
  const parser = new SseParser();
  let closed = false;
  let chunkSeen = false;
  let eventSeen = false;
  let headerStatus: number | undefined;
  let contentType: string | undefined;
  let keptBody = '';
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let task: WxRequestTask | undefined;

  const stopTimer = () => {
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    idleTimer = undefined;
  };
  const shutdown = () => {
    closed = true;
    stopTimer();
    task?.offChunkReceived?.(onChunk);
    task?.offHeadersReceived?.(onHeaders);
  };
  const abortTask = () => {
    try {
      task?.abort();
    } catch {
      // some runtimes throw when aborting a finished task
    }
  };
  const fail = (error: SdkError) => {
    if (closed) return;
    shutdown();
    abortTask();
    handlers.onError(error);
  };
  const touch = () => {
    stopTimer();
    idleTimer = setTimeout(
      () => fail(new SdkError('TIMEOUT', `No data for ${request.idleTimeoutMs} ms.`)),
      request.idleTimeoutMs,
    );
  };
  const feed = (text: string) => {
    if (!eventSeen && keptBody.length < MAX_KEPT_BODY) keptBody += text;
    // A JSON error body is not SSE; an error status with an SSE body (errors in a `next` event) still is.
    const parseAsSse =
      contentType !== undefined
        ? contentType.indexOf('event-stream') !== -1
        : headerStatus === undefined || isSuccessStatus(headerStatus);
    if (!parseAsSse) return;
    for (const event of parser.push(text)) {
      if (closed) return;
      eventSeen = true;
      handlers.onEvent(event);
    }
  };
  const onChunk = (chunk: WxChunk) => {
    if (closed) return;
    chunkSeen = true;
    touch();
    feed(decoder.decode(new Uint8Array(chunk.data)));
  };
  const onHeaders = (result: WxHeadersReceived) => {
    if (closed) return;
    touch();
    if (typeof result.statusCode === 'number') headerStatus = result.statusCode;
    const type = headerValue(result.header, 'content-type');
    if (type !== undefined) contentType = type.toLowerCase();
  };

  task = request.wx.request({
    url: request.url,
    method: 'POST',
    header: request.header,
    data: request.body,
    dataType: 'text',
    responseType: 'text',
    enableChunked: true,
    timeout: request.timeoutMs,
    success(result) {
      if (closed) return;
      if (headerStatus === undefined) headerStatus = result.statusCode;
      if (contentType === undefined) contentType = headerValue(result.header, 'content-type')?.toLowerCase();
      if (chunkSeen) feed(decoder.end());
      else feed(bodyToText(result.data)); // runtimes that never deliver chunks hand over the whole body here
      if (closed) return;
      const status = result.statusCode;
      let error: SdkError | undefined;
      if (!isSuccessStatus(status)) {
        // The whole body when it came in one piece: keptBody stops growing at MAX_KEPT_BODY.
        error = errorFromResponse(status, bodyToJson(chunkSeen ? keptBody : result.data));
      } else if (!eventSeen && (contentType ?? '').indexOf('json') !== -1) {
        // A JSON answer instead of a stream: GraphQL errors refused before any event.
        error = errorFromResponse(status, bodyToJson(keptBody));
      }
      shutdown();
      if (error) handlers.onError(error);
      else handlers.onEnd();
    },
    fail(result) {
      fail(errorFromFail(result?.errMsg));
    },
  });
  task.onHeadersReceived?.(onHeaders);
  task.onChunkReceived?.(onChunk);
  if (!closed) touch();

  return {
    close() {
      if (closed) return;
      shutdown();
      abortTask();
    },
  };
}
