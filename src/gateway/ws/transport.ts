import { randomUUID } from 'node:crypto';
import { AppError } from '../../contract/errors.ts';
import type { ReadyState } from '../client.ts';
import { sanitizeUpstreamMessage, upstreamTooLarge } from '../errors.ts';
import type { Completion, GatewayEvent } from '../events.ts';
import type { GatewayChatRequest } from '../translate.ts';
import { buildChatSend } from './chat-send.ts';
import type { RunSignal, WsConnection } from './connection.ts';
import { type GeneratedMediaOptions, generatedMedia } from './generated-media.ts';
import { mapRequestError } from './request-errors.ts';
import { decodeRunEvent } from './run-events.ts';
import { type Recovered, recoverRun } from './run-recovery.ts';

export interface WsChatGatewayOptions {
  connection: WsConnection;
  requestTimeoutMs: number;
  recoveryTimeoutMs: number;
  maxAnswerBytes: number;
  /** Generated media: how long to wait for it after the final, and how it is downloaded. */
  media: Omit<GeneratedMediaOptions, 'connection' | 'log'>;
  log?: GeneratedMediaOptions['log'];
}

/** The gateway's answer to an unsupported thinking level is an ordinary final saying so. */
const UNSUPPORTED_THINKING = /^Thinking level "[^"]{1,32}" is not supported/;

type Item = RunSignal | ({ kind: 'recovered' } & Recovered) | { kind: 'overflow' };

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

  #recoveryOptions() {
    return { connection: this.#options.connection, requestTimeoutMs: this.#options.requestTimeoutMs };
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
      let mediaExpected = 0;
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
          void recoverRun(this.#recoveryOptions(), runId, params.sessionKey, () => ended).then(
            (recovered) => recovered && push({ kind: 'recovered', ...recovered }),
          );
          continue;
        }
        if (item.kind === 'overflow') throw upstreamTooLarge('answer', this.#options.maxAnswerBytes);
        if (item.kind === 'recovered') {
          settled = true;
          const { event } = item;
          if (event.type === 'completed' && item.mediaExpected > 0) {
            const media = await this.#media(request, runId, params.sessionKey, item.mediaExpected, signal);
            yield media.length > 0 ? { ...event, media } : event;
          } else {
            yield event;
          }
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
          const media =
            mediaExpected > 0 ? await this.#media(request, runId, params.sessionKey, mediaExpected, signal) : [];
          yield {
            type: 'completed',
            text: finalText,
            finishReason: event.stopReason ?? 'stop',
            usage: null,
            ...(media.length > 0 ? { media } : {}),
          };
          return;
        } else if (event.type === 'error') {
          // One failure arrives as two error frames: report the first, stop listening before the second.
          const message = sanitizeUpstreamMessage(event.message) || 'The agent run failed.';
          yield { type: 'failed', error: new AppError('UPSTREAM_FAILED', message) };
          return;
        } else if (event.type === 'media-pending') {
          mediaExpected += event.count;
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

  #media(request: GatewayChatRequest, runId: string, sessionKey: string, expected: number, signal: AbortSignal) {
    const { connection, media, log } = this.#options;
    const run = { runId, sessionKey, expected, keep: request.keepMedia === true };
    return generatedMedia({ ...media, connection, log }, run, signal);
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

  async probe(): Promise<ReadyState> {
    return this.#options.connection.readyState();
  }

  close(): Promise<void> {
    return this.#options.connection.close();
  }
}
