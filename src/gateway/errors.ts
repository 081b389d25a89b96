import { FIXED_LIMITS } from '../config/fixed-limits.ts';
import { AppError } from '../contract/errors.ts';
import type { GatewayEndpoint } from './translate.ts';

/** An AppError that came from a gateway HTTP status, kept so the service can retry a first-turn race. */
export class UpstreamHttpError extends AppError {
  readonly upstreamStatus: number;
  constructor(upstreamStatus: number, ...args: ConstructorParameters<typeof AppError>) {
    super(...args);
    this.upstreamStatus = upstreamStatus;
  }
}

const MAX_MESSAGE = FIXED_LIMITS.upstreamMessageChars;
/** The regexes below are not linear on every text: they only ever see this much of a gateway message. */
export const MAX_SCANNED_MESSAGE = FIXED_LIMITS.upstreamMessageScanChars;

/** Gateway messages can quote URLs or hosts (URL fetch failures); clients get neither. */
export function sanitizeUpstreamMessage(message: unknown): string {
  if (typeof message !== 'string' || message.trim() === '') return '';
  const cleaned = message
    .slice(0, MAX_SCANNED_MESSAGE)
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>')
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<host>')
    .replace(/(?:Bearer\s+)+\S+/gi, 'Bearer <redacted>')
    .trim();
  return cleaned.length > MAX_MESSAGE ? `${cleaned.slice(0, MAX_MESSAGE)}…` : cleaned;
}

export function gatewayErrorMessage(body: unknown): string {
  if (body && typeof body === 'object') {
    const error = (body as { error?: unknown }).error;
    if (error && typeof error === 'object') return sanitizeUpstreamMessage((error as { message?: unknown }).message);
    if (typeof error === 'string') return sanitizeUpstreamMessage(error);
  }
  return '';
}

const ENDPOINT_FLAG: Record<GatewayEndpoint, string> = {
  '/v1/chat/completions': 'gateway.http.endpoints.chatCompletions.enabled',
  '/v1/responses': 'gateway.http.endpoints.responses.enabled',
};

/** A gateway's `Retry-After` reaches our clients; a hostile or broken one must not say "never" or "now, in a loop". */
export const RETRY_AFTER_RANGE = FIXED_LIMITS.retryAfterSeconds;

function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value || value.length > 64) return undefined;
  const seconds = Number(value);
  let parsed: number | undefined;
  if (Number.isFinite(seconds) && seconds >= 0) parsed = Math.ceil(seconds);
  else {
    const date = Date.parse(value);
    parsed = Number.isNaN(date) ? undefined : Math.ceil((date - Date.now()) / 1000);
  }
  return parsed === undefined ? undefined : Math.min(RETRY_AFTER_RANGE.max, Math.max(RETRY_AFTER_RANGE.min, parsed));
}

/** Maps a non-2xx gateway answer to the error model. Our gateway token failing is never the app user's 401. */
export function mapUpstreamStatus(
  status: number,
  body: unknown,
  endpoint: GatewayEndpoint,
  retryAfterHeader?: string,
): UpstreamHttpError {
  const detail = gatewayErrorMessage(body);
  const make = (...args: ConstructorParameters<typeof AppError>) => new UpstreamHttpError(status, ...args);
  if (status === 401 || status === 403) {
    return make(
      'UPSTREAM_AUTH',
      'The server could not authenticate to the OpenClaw gateway (server configuration: OPENCLAW_GATEWAY_TOKEN). Your API key is fine.',
    );
  }
  if (status === 404 || status === 405) {
    return make(
      'UPSTREAM_UNAVAILABLE',
      `The OpenClaw gateway has this endpoint disabled; the operator must enable ${ENDPOINT_FLAG[endpoint]}.`,
      { status: 502 },
    );
  }
  if (status === 413) {
    return make('PAYLOAD_TOO_LARGE', 'The gateway refused the request as too large (its limit is 20 MiB per request).');
  }
  if (status === 429) {
    const retryAfter = parseRetryAfter(retryAfterHeader);
    return make(
      'RATE_LIMITED',
      `The gateway is rate limiting requests${retryAfter ? `; retry in ${retryAfter} s` : ''}.`,
      {
        retryAfter: retryAfter ?? RETRY_AFTER_RANGE.fallback,
      },
    );
  }
  if (status === 408) return make('UPSTREAM_TIMEOUT', 'The gateway timed out reading the request.');
  if (status >= 400 && status < 500) {
    const hint =
      detail === 'invalid request'
        ? 'The gateway rejected an attachment (its reason is only in the gateway log); check type, size and encoding.'
        : detail || `The gateway rejected the request (HTTP ${status}).`;
    return make('UPSTREAM_REJECTED', `OpenClaw rejected the request: ${hint}`);
  }
  if (status === 504) return make('UPSTREAM_TIMEOUT', "The agent's model did not answer in time.");
  return make('UPSTREAM_FAILED', `The agent failed to answer${detail ? ` (${detail})` : ''}. Try again later.`);
}

/** A failure reported inside a 200 stream or a `status: "failed"` response object. */
export function inBandFailure(error: unknown): AppError {
  const detail =
    error && typeof error === 'object' ? sanitizeUpstreamMessage((error as { message?: unknown }).message) : '';
  return new AppError('UPSTREAM_FAILED', `The agent failed to answer${detail ? ` (${detail})` : ''}. Try again later.`);
}

/** A stream event that is not a JSON object: fails the run the same way in both SSE dialects. */
export function malformedEvent(): AppError {
  return new AppError('UPSTREAM_FAILED', 'The gateway sent a malformed stream event.');
}

/** A 200 answer that is not JSON, or JSON without the fields of its endpoint's answer. */
export function malformedAnswer(problem: string): AppError {
  return new AppError('UPSTREAM_FAILED', `The gateway sent an unusable answer (${problem}). Try again later.`);
}

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** The gateway sent more than a configured cap allows (`what`: "answer", "stream event"). */
export function upstreamTooLarge(what: string, limit: number): AppError {
  return new AppError('UPSTREAM_FAILED', `The gateway's ${what} is larger than this server accepts (${mib(limit)}).`);
}

/** Parses one stream event's data as a JSON object; anything else is `undefined`. */
export function parseEventObject(data: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function streamCut(): AppError {
  return new AppError('UPSTREAM_FAILED', 'The gateway closed the stream before the answer was complete.');
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Transport failures (no HTTP answer) to the error model; the cause keeps the details for the log. */
export function mapTransportError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: string } | null)?.code;
  if (code && TIMEOUT_CODES.has(code)) {
    return new AppError('UPSTREAM_TIMEOUT', 'The OpenClaw gateway did not answer in time.', { cause: error });
  }
  if (code === 'UND_ERR_SOCKET') {
    return new AppError('UPSTREAM_FAILED', 'The gateway closed the connection before answering.', { cause: error });
  }
  if ((error as Error | null)?.name === 'TimeoutError') {
    return new AppError('UPSTREAM_TIMEOUT', 'The agent run took longer than the server allows.', { cause: error });
  }
  return new AppError('UPSTREAM_UNAVAILABLE', 'The OpenClaw gateway is unreachable; try again shortly.', {
    cause: error,
  });
}
