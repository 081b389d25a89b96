import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { AppError, type ErrorCode } from '../contract/errors.ts';

const TRPC_CODE: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  INVALID_INPUT: 'BAD_REQUEST',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  NOT_FOUND: 'NOT_FOUND',
  CANCELLED: 'CLIENT_CLOSED_REQUEST',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  UPSTREAM_REJECTED: 'BAD_REQUEST',
  UPSTREAM_AUTH: 'BAD_GATEWAY',
  UPSTREAM_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  UPSTREAM_TIMEOUT: 'GATEWAY_TIMEOUT',
  UPSTREAM_FAILED: 'BAD_GATEWAY',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
};

export function toTRPCError(error: AppError): TRPCError {
  return new TRPCError({ code: TRPC_CODE[error.code], message: error.message, cause: error });
}

/** The chat service's code for any error a procedure ended with (zod input failures are INVALID_INPUT). */
export function appCodeOf(error: TRPCError): ErrorCode {
  if (error.cause instanceof AppError) return error.cause.code;
  if (error.code === 'BAD_REQUEST' || error.code === 'PARSE_ERROR') return 'INVALID_INPUT';
  if (error.code === 'UNAUTHORIZED') return 'UNAUTHENTICATED';
  if (error.code === 'NOT_FOUND') return 'NOT_FOUND';
  if (error.code === 'PAYLOAD_TOO_LARGE') return 'PAYLOAD_TOO_LARGE';
  return 'INTERNAL';
}
