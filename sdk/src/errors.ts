import type { ErrorCode } from '../../src/contract/error-codes.ts';

/** Codes the server sends, plus the SDK's own transport failures. */
export type SdkErrorCode =
  | ErrorCode
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'BAD_RESPONSE'
  | 'FILE_READ_FAILED'
  | (string & {});

export interface GraphQLErrorLike {
  message?: string;
  extensions?: { code?: unknown; retryAfter?: unknown; approvalCode?: unknown; resetAt?: unknown };
}

/** What a caller acts on besides the code: when to retry, what to show the operator, when a quota resets. */
export interface SdkErrorDetails {
  /** RATE_LIMITED, QUOTA_EXCEEDED, a busy upstream: seconds to wait before retrying. */
  retryAfter?: number;
  /** PENDING_APPROVAL: the code the user shows the operator. */
  approvalCode?: string;
  /** QUOTA_EXCEEDED: when the daily quota resets (ISO 8601). */
  resetAt?: string;
}

export interface SdkErrorOptions extends SdkErrorDetails {
  status?: number;
  errors?: GraphQLErrorLike[];
}

/** Every failure the SDK reports: `code` says what went wrong (see SdkErrorCode), `status` the HTTP status if any. */
export class SdkError extends Error {
  readonly code: SdkErrorCode;
  readonly status: number | undefined;
  /** The GraphQL `errors` array when the failure came from one. */
  readonly errors: GraphQLErrorLike[] | undefined;
  readonly retryAfter: number | undefined;
  readonly approvalCode: string | undefined;
  readonly resetAt: string | undefined;

  constructor(code: SdkErrorCode, message: string, options: SdkErrorOptions = {}) {
    super(message);
    this.name = 'SdkError';
    this.code = code;
    this.status = options.status;
    this.errors = options.errors;
    this.retryAfter = options.retryAfter;
    this.approvalCode = options.approvalCode;
    this.resetAt = options.resetAt;
  }
}

/** Picks the typed details out of GraphQL `extensions` or a REST `error` envelope. */
export function detailsOf(source: unknown): SdkErrorDetails {
  const details: SdkErrorDetails = {};
  if (source === null || typeof source !== 'object') return details;
  const fields = source as { retryAfter?: unknown; approvalCode?: unknown; resetAt?: unknown };
  if (typeof fields.retryAfter === 'number') details.retryAfter = fields.retryAfter;
  if (typeof fields.approvalCode === 'string') details.approvalCode = fields.approvalCode;
  if (typeof fields.resetAt === 'string') details.resetAt = fields.resetAt;
  return details;
}

/** The access token was refused in a way a refresh (or, failing that, a new sign-in) can fix. */
export function isRefreshable(error: { code: SdkErrorCode }): boolean {
  return error.code === 'TOKEN_EXPIRED' || error.code === 'UNAUTHENTICATED';
}

/** Works across JS realms, where `instanceof` does not. */
export function isSdkError(error: unknown): error is SdkError {
  return error instanceof Error && error.name === 'SdkError' && typeof (error as SdkError).code === 'string';
}

const CODE_BY_STATUS: Record<number, SdkErrorCode> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  502: 'UPSTREAM_FAILED',
  503: 'UPSTREAM_UNAVAILABLE',
  504: 'UPSTREAM_TIMEOUT',
};

function codeForStatus(status: number): SdkErrorCode {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_RESPONSE');
}

export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

function errorFromGraphQLErrors(errors: GraphQLErrorLike[], status: number): SdkError {
  const first = errors[0] ?? {};
  const code = first.extensions && typeof first.extensions.code === 'string' ? first.extensions.code : undefined;
  const message = typeof first.message === 'string' ? first.message : 'Request failed.';
  const details = detailsOf(first.extensions);
  return new SdkError(code ?? codeForStatus(status), message, {
    status,
    errors,
    retryAfter: details.retryAfter,
    approvalCode: details.approvalCode,
    resetAt: details.resetAt,
  });
}

function graphQLErrorsOf(body: unknown): GraphQLErrorLike[] | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const errors = (body as { errors?: unknown }).errors;
  return Array.isArray(errors) && errors.length > 0 ? (errors as GraphQLErrorLike[]) : undefined;
}

/**
 * The error carried by a response, or `undefined` when it is a success.
 * Handles GraphQL bodies (any status), `{"error":{"code","message"}}` bodies and bare HTTP failures.
 */
export function errorFromResponse(status: number, body: unknown): SdkError | undefined {
  const errors = graphQLErrorsOf(body);
  if (errors) return errorFromGraphQLErrors(errors, status);
  if (isSuccessStatus(status)) return undefined;
  const envelope = body !== null && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  if (envelope !== null && typeof envelope === 'object') {
    const code = (envelope as { code?: unknown }).code;
    const message = (envelope as { message?: unknown }).message;
    const details = detailsOf(envelope);
    return new SdkError(
      typeof code === 'string' ? code : codeForStatus(status),
      typeof message === 'string' ? message : `HTTP ${status}`,
      { status, approvalCode: details.approvalCode, resetAt: details.resetAt },
    );
  }
  return new SdkError(codeForStatus(status), `HTTP ${status}`, { status });
}

/** Maps a `wx.request` `fail` callback. */
export function errorFromFail(errMsg: string | undefined): SdkError {
  const message = errMsg || 'request:fail';
  if (/timeout|timed out/i.test(message)) return new SdkError('TIMEOUT', message);
  if (/abort/i.test(message)) return new SdkError('ABORTED', message);
  return new SdkError('NETWORK_ERROR', message);
}
