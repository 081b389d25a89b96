import type { ErrorCode } from './error-codes.ts';

export { ERROR_CODES, type ErrorCode } from './error-codes.ts';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,
  PENDING_APPROVAL: 403,
  NOT_FOUND: 404,
  CANCELLED: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  CONTENT_REJECTED: 400,
  UPSTREAM_REJECTED: 400,
  UPSTREAM_AUTH: 502,
  UPSTREAM_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
  UPSTREAM_FAILED: 502,
  INTERNAL: 500,
};

/** OpenAI-style `error.type` for the REST envelope, so OpenAI-shaped clients recognise the class of failure. */
export const ERROR_TYPE: Record<ErrorCode, string> = {
  INVALID_INPUT: 'invalid_request_error',
  UNAUTHENTICATED: 'authentication_error',
  TOKEN_EXPIRED: 'authentication_error',
  FORBIDDEN: 'permission_error',
  PENDING_APPROVAL: 'permission_error',
  NOT_FOUND: 'not_found_error',
  CANCELLED: 'cancelled',
  PAYLOAD_TOO_LARGE: 'invalid_request_error',
  RATE_LIMITED: 'rate_limit_error',
  QUOTA_EXCEEDED: 'rate_limit_error',
  CONTENT_REJECTED: 'invalid_request_error',
  UPSTREAM_REJECTED: 'invalid_request_error',
  UPSTREAM_AUTH: 'upstream_error',
  UPSTREAM_UNAVAILABLE: 'upstream_error',
  UPSTREAM_TIMEOUT: 'upstream_error',
  UPSTREAM_FAILED: 'upstream_error',
  INTERNAL: 'api_error',
};

export interface AppErrorOptions {
  /** Overrides the status implied by the code (e.g. 502 for a disabled gateway endpoint). */
  status?: number;
  /** Seconds, for RATE_LIMITED, QUOTA_EXCEEDED and a busy WeChat. */
  retryAfter?: number;
  /** PENDING_APPROVAL: the short code the user shows the operator. */
  approvalCode?: string;
  /** QUOTA_EXCEEDED: when the quota resets (epoch ms). */
  resetAt?: number;
  cause?: unknown;
}

/** A failure whose message is safe to show a client: no URLs, hosts, tokens or stacks. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfter: number | undefined;
  readonly approvalCode: string | undefined;
  readonly resetAt: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? HTTP_STATUS[code];
    this.retryAfter = options.retryAfter;
    this.approvalCode = options.approvalCode;
    this.resetAt = options.resetAt;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Anything that is not an AppError is a bug: its details stay in the log. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('INTERNAL', 'Internal server error.', { cause: error });
}

/** The fields beside code and message that a client acts on, the same on every surface (JSON-ready). */
export function errorDetails(error: AppError): { retryAfter?: number; approvalCode?: string; resetAt?: string } {
  return {
    ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
    ...(error.approvalCode !== undefined ? { approvalCode: error.approvalCode } : {}),
    ...(error.resetAt !== undefined ? { resetAt: new Date(error.resetAt).toISOString() } : {}),
  };
}
