import { type TRPCDefaultErrorShape, TRPCError, type TRPCProcedureType } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { ZodError } from 'zod';
import { AppError, type ErrorCode, errorDetails } from '../contract/errors.ts';
import { describeZodError } from '../contract/validation.ts';
import { fromFastifyError } from '../http/errors.ts';

/** Each code's tRPC code, whose HTTP status is the code's status on every other surface (HTTP_STATUS). */
const TRPC_CODE: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  INVALID_INPUT: 'BAD_REQUEST',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  TOKEN_EXPIRED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  PENDING_APPROVAL: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CANCELLED: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  QUOTA_EXCEEDED: 'TOO_MANY_REQUESTS',
  CONTENT_REJECTED: 'BAD_REQUEST',
  UPSTREAM_REJECTED: 'BAD_REQUEST',
  UPSTREAM_AUTH: 'BAD_GATEWAY',
  UPSTREAM_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  UPSTREAM_TIMEOUT: 'GATEWAY_TIMEOUT',
  UPSTREAM_FAILED: 'BAD_GATEWAY',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
};

const statusOf = (code: TRPC_ERROR_CODE_KEY) => getHTTPStatusCodeFromError(new TRPCError({ code }));

/** tRPC's own status table inverted (the codes above first), for AppErrors whose status overrides their code's. */
const CODE_BY_STATUS = new Map<number, TRPC_ERROR_CODE_KEY>();
for (const code of [...Object.values(TRPC_CODE), ...(Object.keys(TRPC_ERROR_CODES_BY_KEY) as TRPC_ERROR_CODE_KEY[])]) {
  if (!CODE_BY_STATUS.has(statusOf(code))) CODE_BY_STATUS.set(statusOf(code), code);
}

/** The TRPCError answering with the AppError's own HTTP status (e.g. 502 for a disabled gateway endpoint). */
export function toTRPCError(error: AppError): TRPCError {
  const preferred = TRPC_CODE[error.code];
  const code = statusOf(preferred) === error.status ? preferred : (CODE_BY_STATUS.get(error.status) ?? preferred);
  return new TRPCError({ code, message: error.message, cause: error });
}

/** The longest `Retry-After` (seconds) among a response's errors, as REST and GraphQL send it. */
export function retryAfterOf(errors: readonly TRPCError[]): number | undefined {
  let seconds: number | undefined;
  for (const { cause } of errors) {
    if (cause instanceof AppError && cause.retryAfter !== undefined) seconds = Math.max(seconds ?? 0, cause.retryAfter);
  }
  return seconds;
}

/** The latest quota reset among a response's errors (epoch ms), sent as `X-Quota-Reset` like REST does. */
export function quotaResetOf(errors: readonly TRPCError[]): number | undefined {
  let at: number | undefined;
  for (const { cause } of errors) {
    if (cause instanceof AppError && cause.resetAt !== undefined) at = Math.max(at ?? 0, cause.resetAt);
  }
  return at;
}

/** The chat service's code for any error a procedure ended with (tRPC's own client errors are INVALID_INPUT). */
export function appCodeOf(error: TRPCError): ErrorCode {
  if (error.cause instanceof AppError) return error.cause.code;
  const status = getHTTPStatusCodeFromError(error);
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status >= 400 && status < 500) return 'INVALID_INPUT';
  return 'INTERNAL';
}

/**
 * What the caller reads: zod failures described field by field, and malformed JSON in the project's own words
 * (tRPC reports the bare SyntaxError). Subscriptions take their input from the `input` query parameter.
 */
export function publicMessage(error: TRPCError, type: TRPCProcedureType | 'unknown'): string {
  if (error.cause instanceof ZodError) return describeZodError(error.cause);
  if (error.code === 'BAD_REQUEST' && error.cause instanceof SyntaxError) {
    return type === 'subscription'
      ? `The \`input\` query parameter is not valid JSON (${error.cause.message}).`
      : fromFastifyError(error.cause).message;
  }
  if (error.code === 'UNSUPPORTED_MEDIA_TYPE') return UNSUPPORTED_BODY.message;
  return error.message;
}

/** Fastify's refusal of a body type, in the words REST and GraphQL use for it. */
const UNSUPPORTED_BODY = fromFastifyError(Object.assign(new Error(''), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }));

/** tRPC's errorFormatter: the default shape, our message, `data.appCode`, never a stack. */
export function formatError({
  shape,
  error,
  type,
}: {
  shape: TRPCDefaultErrorShape;
  error: TRPCError;
  type: TRPCProcedureType | 'unknown';
}) {
  return {
    ...shape,
    message: publicMessage(error, type),
    data: {
      ...shape.data,
      appCode: appCodeOf(error),
      ...(error.cause instanceof AppError ? errorDetails(error.cause) : {}),
      stack: undefined,
    },
  };
}
