import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { AppError } from '../contract/errors.ts';
import { createChatCompletionsDecoder, parseChatCompletion } from './chat-completions.ts';
import { malformedAnswer, mapTransportError, mapUpstreamStatus, upstreamTooLarge } from './errors.ts';
import type { Completion, GatewayEvent, StreamDecoder } from './events.ts';
import { readBodyText } from './read-body.ts';
import { createResponsesDecoder, parseResponse } from './responses.ts';
import { SseParser } from './sse.ts';
import { buildUpstreamCall, type GatewayChatRequest, type GatewayEndpoint, type UpstreamCall } from './translate.ts';

export interface GatewayClientOptions {
  url: string;
  token: string | undefined;
  connectTimeoutMs: number;
  /** Time to response headers for streams (the gateway sends them before the model answers). */
  streamHeadersTimeoutMs: number;
  /** Longest silence inside a body; the gateway is silent for up to ~90 s while it retries a failing model. */
  idleTimeoutMs: number;
  /** Non-streaming answers only send headers when the run is done, so they get the whole run's time. */
  runTimeoutMs: number;
  connections: number;
  /** Answer text, streamed or not, in UTF-8 bytes. */
  maxAnswerBytes: number;
  /** What is read of a non-2xx body (the rest is discarded). */
  maxErrorBodyBytes: number;
  /** One JSON document: an SSE event, or a non-streaming body. */
  maxSseEventBytes: number;
}

export type ReadyState = { ready: true } | { ready: false; reason: string };

/** The only code that talks to OpenClaw: one keep-alive pool, bearer auth, explicit timeouts. */
export class GatewayClient {
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #authorization: string | undefined;
  readonly #options: GatewayClientOptions;

  constructor(options: GatewayClientOptions) {
    const url = new URL(options.url);
    this.#options = options;
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#authorization = options.token ? `Bearer ${options.token}` : undefined;
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      // The gateway closes idle sockets after 5 s (Keep-Alive: timeout=5); reuse only younger ones.
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 4_000,
      connect: { timeout: options.connectTimeoutMs },
    });
  }

  #headers(extra: Record<string, string>): Record<string, string> {
    return this.#authorization ? { ...extra, authorization: this.#authorization } : extra;
  }

  async #post(call: UpstreamCall, stream: boolean, signal: AbortSignal) {
    try {
      return await this.#pool.request({
        method: 'POST',
        path: this.#basePath + call.endpoint,
        headers: this.#headers(call.headers),
        body: typeof call.body === 'string' ? call.body : Readable.from(call.body, { objectMode: false }),
        signal,
        headersTimeout: stream ? this.#options.streamHeadersTimeoutMs : this.#options.runTimeoutMs,
        bodyTimeout: this.#options.idleTimeoutMs,
      });
    } catch (error) {
      throw signal.aborted ? signal.reason : mapTransportError(error);
    }
  }

  async #errorFor(endpoint: GatewayEndpoint, response: Awaited<ReturnType<Pool['request']>>): Promise<AppError> {
    let json: unknown;
    try {
      json = JSON.parse(await readBodyText(response.body, this.#options.maxErrorBodyBytes, 'truncate'));
    } catch {
      json = undefined;
    }
    // A failed run on /v1/responses returns a Response object with a 5xx status.
    if (endpoint === '/v1/responses' && json && (json as { status?: unknown }).status === 'failed') {
      const parsed = parseResponse(json);
      if ('failed' in parsed) return parsed.failed;
    }
    const retryAfter = response.headers['retry-after'];
    return mapUpstreamStatus(
      response.statusCode,
      json,
      endpoint,
      Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
    );
  }

  /** One non-streaming turn. */
  async complete(request: GatewayChatRequest, signal: AbortSignal): Promise<Completion> {
    const call = buildUpstreamCall({ ...request, stream: false });
    const response = await this.#post(call, false, signal);
    if (response.statusCode !== 200) throw await this.#errorFor(call.endpoint, response);
    let text: string;
    try {
      text = await readBodyText(response.body, this.#options.maxSseEventBytes, 'fail');
    } catch (error) {
      throw signal.aborted ? signal.reason : mapTransportError(error);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw malformedAnswer('not JSON');
    }
    const parsed = call.endpoint === '/v1/chat/completions' ? parseChatCompletion(json) : parseResponse(json);
    if ('failed' in parsed) throw parsed.failed;
    if (Buffer.byteLength(parsed.text) > this.#options.maxAnswerBytes) {
      throw upstreamTooLarge('answer', this.#options.maxAnswerBytes);
    }
    return parsed;
  }

  /** Throws once the answer text seen so far passes its cap (deltas add up; a final text counts whole). */
  #answerMeter(): (event: GatewayEvent) => void {
    const limit = this.#options.maxAnswerBytes;
    let bytes = 0;
    return (event) => {
      if (event.type === 'delta') bytes += Buffer.byteLength(event.text);
      else if (event.type === 'completed') bytes = Math.max(bytes, Buffer.byteLength(event.text));
      if (bytes > limit) throw upstreamTooLarge('answer', limit);
    };
  }

  /**
   * One streaming turn as internal events. Errors before the stream starts are thrown; after it has
   * started, every failure (in-band error, cut connection, idle timeout) ends the stream with `failed`.
   */
  async *stream(request: GatewayChatRequest, signal: AbortSignal): AsyncGenerator<GatewayEvent> {
    const call = buildUpstreamCall({ ...request, stream: true });
    const response = await this.#post(call, true, signal);
    if (response.statusCode !== 200) throw await this.#errorFor(call.endpoint, response);
    const decoder: StreamDecoder =
      call.endpoint === '/v1/chat/completions' ? createChatCompletionsDecoder() : createResponsesDecoder();
    const sse = new SseParser({ maxEventBytes: this.#options.maxSseEventBytes });
    const meter = this.#answerMeter();
    const utf8 = new TextDecoder();
    let finished = false;
    try {
      for await (const chunk of response.body) {
        for (const message of sse.push(utf8.decode(chunk as Buffer, { stream: true }))) {
          for (const event of decoder.decode(message.event, message.data)) {
            meter(event);
            yield event;
            if (event.type !== 'delta') finished = true;
          }
        }
        if (finished) return;
      }
      for (const message of sse.end()) {
        for (const event of decoder.decode(message.event, message.data)) {
          meter(event);
          yield event;
        }
      }
      yield* decoder.finish();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (!finished) yield { type: 'failed', error: mapStreamError(error) };
    } finally {
      // After the final event only `[DONE]` is left: read it so the keep-alive socket goes back to the pool.
      if (finished && !signal.aborted) await response.body.dump({ limit: 64 * 1024 }).catch(() => {});
      else if (!response.body.destroyed) response.body.destroy();
    }
  }

  /** Readiness: reachable, our token accepted, and the endpoints enabled (`/v1/models` needs all three). */
  async probe(signal: AbortSignal): Promise<ReadyState> {
    try {
      const response = await this.#pool.request({
        method: 'GET',
        path: `${this.#basePath}/v1/models`,
        headers: this.#headers({}),
        signal,
        headersTimeout: this.#options.connectTimeoutMs,
        bodyTimeout: this.#options.connectTimeoutMs,
      });
      await response.body.dump();
      if (response.statusCode === 200) return { ready: true };
      if (response.statusCode === 401 || response.statusCode === 403) {
        return { ready: false, reason: 'gateway rejected the server token' };
      }
      if (response.statusCode === 404) return { ready: false, reason: 'gateway HTTP endpoints are disabled' };
      return { ready: false, reason: `gateway answered HTTP ${response.statusCode}` };
    } catch {
      return { ready: false, reason: 'gateway unreachable' };
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

function mapStreamError(error: unknown): AppError {
  if (error instanceof SyntaxError)
    return new AppError('UPSTREAM_FAILED', 'The gateway sent a malformed stream event.');
  const mapped = mapTransportError(error);
  return mapped.code === 'UPSTREAM_UNAVAILABLE'
    ? new AppError('UPSTREAM_FAILED', 'The gateway closed the stream before the answer was complete.', { cause: error })
    : mapped;
}
