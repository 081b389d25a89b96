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
  extensions?: { code?: unknown };
}

export interface SdkErrorOptions {
  status?: number;
  errors?: GraphQLErrorLike[];
}

/** Every failure the SDK reports: `code` says what went wrong (see SdkErrorCode), `status` the HTTP status if any. */
export class SdkError extends Error {
  readonly code: SdkErrorCode;
  readonly status: number | undefined;
  /** The GraphQL `errors` array when the failure came from one. */
  readonly errors: GraphQLErrorLike[] | undefined;

  constructor(code: SdkErrorCode, message: string, options: SdkErrorOptions = {}) {
    super(message);
    this.name = 'SdkError';
    this.code = code;
    this.status = options.status;
    this.errors = options.errors;
  }
}

/** Works across JS realms, where `instanceof` does not. */
export function isSdkError(error: unknown): error is SdkError {
  return error instanceof Error && error.name === 'SdkError' && typeof (error as SdkError).code === 'string';
}

const CODE_BY_STATUS: Record<number, SdkErrorCode> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'UNAUTHENTICATED',
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
  return new SdkError(code ?? codeForStatus(status), message, { status, errors });
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
    return new SdkError(
      typeof code === 'string' ? code : codeForStatus(status),
      typeof message === 'string' ? message : `HTTP ${status}`,
      { status },
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
