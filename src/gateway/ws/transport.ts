import { randomUUID } from 'node:crypto';
import { AppError } from '../../contract/errors.ts';
import type { ReadyState } from '../client.ts';
import { sanitizeUpstreamMessage, upstreamTooLarge } from '../errors.ts';
import type { Completion, GatewayEvent, GatewayMedia } from '../events.ts';
import type { GatewayChatRequest } from '../translate.ts';
import { buildChatSend } from './chat-send.ts';
import type { RunSignal, WsConnection } from './connection.ts';
import { decodeRunEvent, mediaBlocks, messageText } from './run-events.ts';

export interface WsChatGatewayOptions {
  connection: WsConnection;
  requestTimeoutMs: number;
  recoveryTimeoutMs: number;
  maxAnswerBytes: number;
}

/** The gateway's answer to an unsupported thinking level is an ordinary final saying so. */
const UNSUPPORTED_THINKING = /^Thinking level "[^"]{1,32}" is not supported/;

const MEDIA_POLLS = 6;
const MEDIA_POLL_MS = 150;

type Item = RunSignal | { kind: 'recovered'; event: GatewayEvent } | { kind: 'overflow' };

function mapRequestError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { gatewayCode?: unknown; code?: unknown }).gatewayCode;
  const message = sanitizeUpstreamMessage((error as Error)?.message);
  if ((error as { code?: unknown }).code === 'CLIENT_TIMEOUT') {
    return new AppError('UPSTREAM_TIMEOUT', 'The agent gateway did not answer in time.', { cause: error });
  }
  if (code === 'INVALID_REQUEST' && /exceeds size limit/.test(message)) {
    return new AppError('PAYLOAD_TOO_LARGE', `The agent gateway refused an attachment: ${message}`, { cause: error });
  }
  if (code === 'INVALID_REQUEST') {
    return new AppError('UPSTREAM_REJECTED', `The agent gateway refused the request: ${message}`, { cause: error });
  }
  if (code === 'FORBIDDEN' || code === 'UNAUTHORIZED') {
    return new AppError('UPSTREAM_AUTH', 'The agent gateway refused this server’s credentials.', { cause: error });
  }
  if (typeof code === 'string') {
    return new AppError('UPSTREAM_FAILED', `The agent gateway failed: ${message}`, { cause: error });
  }
  return new AppError('UPSTREAM_UNAVAILABLE', 'The connection to the agent gateway was lost; try again.', {
    cause: error,
  });
}

const isConnectionLoss = (error: AppError) => error.code === 'UPSTREAM_UNAVAILABLE';

/**
 * The chat service's gateway over the WebSocket protocol: `chat.send` with our run id as idempotency key, the run's
 * events picked out of the shared connection, `chat.abort` on cancel, and `agent.wait`/`chat.history` to recover a
 * run across a reconnect.
 */
export class WsChatGateway {
  readonly #options: WsChatGatewayOptions;

  constructor(options: WsChatGatewayOptions) {
    this.#options = options;
  }

  get connection(): WsConnection {
    return this.#options.connection;
  }

  async complete(request: GatewayChatRequest, signal: AbortSignal): Promise<Completion> {
    for await (const event of this.stream(request, signal)) {
      if (event.type === 'completed') return event;
      if (event.type === 'failed') throw event.error;
    }
    throw new AppError('UPSTREAM_FAILED', 'The gateway ended the run without an answer.');
  }

  async *stream(request: GatewayChatRequest, signal: AbortSignal): AsyncGenerator<GatewayEvent> {
    const { connection, requestTimeoutMs, recoveryTimeoutMs } = this.#options;
    const runId = request.runId ?? randomUUID();
    await connection.ready(signal, requestTimeoutMs);
    const params = buildChatSend(request, runId, connection.policy);
    const queue: Item[] = [];
    let wake: (() => void) | undefined;
    const push = (item: Item) => {
      queue.push(item);
      wake?.();
    };
    let ended = false;
    /** The gateway said how the run ended (final, error, aborted) or recovery did: no chat.abort needed. */
    let settled = false;
    // Counted as frames arrive, not as they are consumed: a gateway flooding deltas cannot grow the queue past the cap.
    let queuedBytes = 0;
    const stopListening = connection.listen(runId, (signal) => {
      if (signal.kind === 'event' && (signal.payload as { state?: unknown }).state === 'delta') {
        const delta = (signal.payload as { deltaText?: unknown }).deltaText;
        queuedBytes += typeof delta === 'string' ? delta.length : 0;
        // UTF-16 units, at most 3 UTF-8 bytes each: past this the answer is surely over its cap.
        if (queuedBytes > this.#options.maxAnswerBytes * 3) {
          stopListening();
          push({ kind: 'overflow' });
          return;
        }
      }
      push(signal);
    });
    const onAbort = () => {
      wake?.();
      connection.request('chat.abort', { sessionKey: params.sessionKey, runId }).catch(() => {});
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.#send(params, signal);
      let text = '';
      let bytes = 0;
      let lostSince: number | undefined;
      let mediaPending = false;
      for (;;) {
        signal.throwIfAborted();
        const item = queue.shift();
        if (!item) {
          const wait = lostSince === undefined ? undefined : recoveryTimeoutMs - (performance.now() - lostSince);
          if (wait !== undefined && wait <= 0) {
            yield {
              type: 'failed',
              error: new AppError('UPSTREAM_UNAVAILABLE', 'The connection to the agent gateway was lost mid-answer.'),
            };
            return;
          }
          await new Promise<void>((resolve) => {
            const timer = wait === undefined ? undefined : setTimeout(resolve, wait);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
          continue;
        }
        if (item.kind === 'closed') {
          lostSince ??= performance.now();
          continue;
        }
        if (item.kind === 'reconnected') {
          lostSince = undefined;
          void this.#recover(runId, params.sessionKey, () => ended).then(
            (event) => event && push({ kind: 'recovered', event }),
          );
          continue;
        }
        if (item.kind === 'overflow') throw upstreamTooLarge('answer', this.#options.maxAnswerBytes);
        if (item.kind === 'recovered') {
          settled = true;
          yield item.event;
          return;
        }
        const event = decodeRunEvent(item.event, item.payload);
        if (!event) continue;
        if (event.type === 'final' || event.type === 'error' || event.type === 'aborted') settled = true;
        if (event.type === 'delta') {
          bytes += Buffer.byteLength(event.text);
          if (bytes > this.#options.maxAnswerBytes) throw upstreamTooLarge('answer', this.#options.maxAnswerBytes);
          text += event.text;
          yield { type: 'delta', text: event.text };
        } else if (event.type === 'final') {
          const finalText = event.text || text;
          if (request.thinking && UNSUPPORTED_THINKING.test(finalText)) {
            yield { type: 'failed', error: new AppError('INVALID_INPUT', sanitizeUpstreamMessage(finalText)) };
            return;
          }
          if (Buffer.byteLength(finalText) > this.#options.maxAnswerBytes) {
            throw upstreamTooLarge('answer', this.#options.maxAnswerBytes);
          }
          const media = mediaPending ? await this.#collectMedia(runId, params.sessionKey, signal) : undefined;
          yield {
            type: 'completed',
            text: finalText,
            finishReason: event.stopReason ?? 'stop',
            usage: null,
            ...(media?.length ? { media } : {}),
          };
          return;
        } else if (event.type === 'error') {
          // One failure arrives as two error frames: report the first, stop listening before the second.
          const message = sanitizeUpstreamMessage(event.message) || 'The agent run failed.';
          yield { type: 'failed', error: new AppError('UPSTREAM_FAILED', message) };
          return;
        } else if (event.type === 'media-pending') {
          mediaPending = true;
        } else if (event.type === 'aborted') {
          yield { type: 'failed', error: new AppError('CANCELLED', 'The run was stopped on the gateway.') };
          return;
        } else {
          yield { type: 'tool', name: event.name, phase: event.phase, title: event.title, status: event.status };
        }
      }
    } finally {
      ended = true;
      // We stopped first (answer cap, lost connection, consumer gone): stop the gateway's run too.
      if (!settled && !signal.aborted) onAbort();
      stopListening();
      signal.removeEventListener('abort', onAbort);
      wake = undefined;
    }
  }

  /** chat.send; a connection lost before the ack is retried once on the next connection (same idempotency key). */
  async #send(params: ReturnType<typeof buildChatSend>, signal: AbortSignal): Promise<void> {
    const { connection, recoveryTimeoutMs } = this.#options;
    try {
      await connection.request('chat.send', params);
    } catch (error) {
      const mapped = mapRequestError(error);
      if (signal.aborted) throw signal.reason;
      if (!isConnectionLoss(mapped)) throw mapped;
      await connection.ready(signal, recoveryTimeoutMs);
      await connection.request('chat.send', params).catch((retryError: unknown) => {
        throw mapRequestError(retryError);
      });
    }
  }

  /**
   * After a reconnect: events sent while we were away are gone, so ask the gateway how the run ended
   * (`agent.wait`, long-polled) and read its answer from `chat.history`. Undefined when the live events won.
   */
  async #recover(runId: string, sessionKey: string, ended: () => boolean): Promise<GatewayEvent | undefined> {
    const { connection, requestTimeoutMs } = this.#options;
    const pollMs = Math.max(1_000, requestTimeoutMs - 1_000);
    try {
      for (;;) {
        if (ended()) return undefined;
        const result = await connection.request<{
          status?: string;
          error?: unknown;
          terminalReply?: { text?: unknown };
        }>('agent.wait', { runId, timeoutMs: pollMs }, pollMs + requestTimeoutMs);
        if (result.status === 'timeout') continue;
        if (result.status === 'ok') {
          const text = (await this.#historyText(runId, sessionKey)) ?? String(result.terminalReply?.text ?? '');
          return { type: 'completed', text, finishReason: 'stop', usage: null };
        }
        if (result.status === 'error') {
          return { type: 'failed', error: new AppError('UPSTREAM_FAILED', 'The agent run failed on the gateway.') };
        }
        if (result.status === 'aborted') {
          return { type: 'failed', error: new AppError('CANCELLED', 'The run was stopped on the gateway.') };
        }
        return {
          type: 'failed',
          error: new AppError(
            'UPSTREAM_FAILED',
            'The gateway lost the run while the connection was down; send it again.',
          ),
        };
      }
    } catch (error) {
      if (ended()) return undefined;
      return { type: 'failed', error: mapRequestError(error) };
    }
  }

  /**
   * Artifacts appear in chat.history 170-270 ms after the final (measured): poll a few times, bounded, and only for
   * runs whose answer named media.
   */
  async #collectMedia(runId: string, sessionKey: string, signal: AbortSignal): Promise<GatewayMedia[]> {
    for (let attempt = 0; attempt < MEDIA_POLLS; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, MEDIA_POLL_MS));
      if (signal.aborted) return [];
      const row = await this.#historyRow(runId, sessionKey);
      const media = mediaBlocks(row);
      if (media.length > 0) return media;
    }
    return [];
  }

  /** The run's assistant text from the transcript (MEDIA lines already turned into blocks there). */
  async #historyText(runId: string, sessionKey: string): Promise<string | undefined> {
    const row = await this.#historyRow(runId, sessionKey);
    return row === undefined ? undefined : messageText(row);
  }

  async #historyRow(runId: string, sessionKey: string): Promise<unknown> {
    const history = await this.#options.connection
      .request<{ messages?: unknown[] }>('chat.history', { sessionKey, limit: 20 })
      .catch(() => undefined);
    const row = history?.messages?.findLast(
      (m) =>
        (m as { role?: unknown }).role === 'assistant' &&
        (m as { __openclaw?: { runId?: unknown } }).__openclaw?.runId === runId,
    );
    return row;
  }

  async probe(): Promise<ReadyState> {
    return this.#options.connection.readyState();
  }

  close(): Promise<void> {
    return this.#options.connection.close();
  }
}
