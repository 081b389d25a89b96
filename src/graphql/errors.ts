import type { FastifyBaseLogger } from 'fastify';
import { GraphQLError } from 'graphql';
import type { YogaLogger } from 'graphql-yoga';
import { AppError } from '../contract/errors.ts';

function findAppError(error: unknown): AppError | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof AppError) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}

/**
 * Chat-service errors keep their code in `extensions.code` (and their HTTP status where the
 * transport uses one); GraphQL's own validation errors pass through (including variable coercion
 * errors such as a broken `@oneOf`, whose originalError is itself a GraphQLError); anything else is masked.
 */
export function maskError(error: unknown, message: string): Error {
  const appError = findAppError(error);
  if (appError) {
    const path = (error as GraphQLError).path;
    return new GraphQLError(appError.message, {
      ...(path ? { path } : {}),
      extensions: {
        code: appError.code,
        ...(appError.retryAfter !== undefined ? { retryAfter: appError.retryAfter } : {}),
      },
    });
  }
  if (isGraphQLsOwn(error)) {
    const code = error.extensions?.code ?? 'INVALID_INPUT';
    return new GraphQLError(error.message, { ...error, extensions: { ...error.extensions, code } });
  }
  return new GraphQLError(message, { extensions: { code: 'INTERNAL' } });
}

/** A syntax, validation or coercion error: GraphQL's own words about the client's request. */
function isGraphQLsOwn(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError);
}

/** The code `maskError` gives an error. */
export function codeOf(error: unknown): string {
  const appError = findAppError(error);
  if (appError) return appError.code;
  if (isGraphQLsOwn(error)) return String(error.extensions?.code ?? 'INVALID_INPUT');
  return 'INTERNAL';
}

type ErrorLog = Pick<FastifyBaseLogger, 'info' | 'error'>;

/**
 * Logs an error GraphQL is about to answer with, as REST does: only what gets masked as INTERNAL at error level,
 * with its stack; client mistakes and chat-service errors at info with their code (the service has already logged
 * upstream failures with their cause).
 */
export function logAnsweredError(log: ErrorLog, error: unknown): void {
  const code = codeOf(error);
  if (code === 'INTERNAL') log.error({ err: error }, 'Unexpected error in a GraphQL operation');
  else log.info({ code }, error instanceof Error ? error.message : String(error));
}

/** Yoga logs every error its masking replaced (all of ours) at error level; this applies logAnsweredError instead. */
export function yogaLogger(log: FastifyBaseLogger): YogaLogger {
  return {
    debug: (...args) => log.debug(args[0], ...args.slice(1)),
    info: (...args) => log.info(args[0], ...args.slice(1)),
    warn: (...args) => log.warn(args[0], ...args.slice(1)),
    error: (...args) => {
      if (args.length === 1 && args[0] instanceof Error) logAnsweredError(log, args[0]);
      else log.error(args[0], ...args.slice(1));
    },
  };
}
