import type { FastifyBaseLogger } from 'fastify';
import { GraphQLError } from 'graphql';
import type { YogaLogger } from 'graphql-yoga';
import { AppError, errorDetails } from '../contract/errors.ts';
import { hideSuggestions } from './suggestions.ts';

function findAppError(error: unknown): AppError | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof AppError) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}

export interface MaskErrorOptions {
  /** With introspection off, coercion messages lose their "Did you mean …" too. */
  hideSuggestions: boolean;
}

/**
 * Chat-service errors keep their code in `extensions.code` (and their HTTP status where the
 * transport uses one); GraphQL's own validation errors pass through (including variable coercion
 * errors such as a broken `@oneOf`, whose originalError is itself a GraphQLError); anything else is masked.
 */
export function createMaskError(options: MaskErrorOptions) {
  return (error: unknown, message: string): Error => {
    const appError = findAppError(error);
    if (appError) {
      const path = (error as GraphQLError).path;
      return new GraphQLError(appError.message, {
        ...(path ? { path } : {}),
        extensions: { code: appError.code, ...errorDetails(appError) },
      });
    }
    if (isGraphQLsOwn(error)) {
      const code = error.extensions?.code ?? 'INVALID_INPUT';
      const own = new GraphQLError(error.message, { ...error, extensions: { ...error.extensions, code } });
      return options.hideSuggestions ? hideSuggestions(own) : own;
    }
    return new GraphQLError(message, { extensions: { code: 'INTERNAL' } });
  };
}

/** A syntax, validation or coercion error: GraphQL's own words about the client's request. */
function isGraphQLsOwn(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError);
}

/** The code the masking gives an error. */
export function codeOf(error: unknown): string {
  const appError = findAppError(error);
  if (appError) return appError.code;
  if (isGraphQLsOwn(error)) return String(error.extensions?.code ?? 'INVALID_INPUT');
  return 'INTERNAL';
}

/**
 * Yoga's own logs on Fastify's logger. Yoga also logs, at error level and without the request, every error its
 * masking replaced: those are answered errors, already logged by `useAnsweredErrorLog` with the request's logger, so
 * they go to debug here.
 */
export function yogaLogger(log: FastifyBaseLogger): YogaLogger {
  return {
    debug: (...args) => log.debug(args[0], ...args.slice(1)),
    info: (...args) => log.info(args[0], ...args.slice(1)),
    warn: (...args) => log.warn(args[0], ...args.slice(1)),
    error: (...args) => {
      if (args.length === 1 && args[0] instanceof Error) log.debug({ err: args[0] }, 'GraphQL error answered');
      else log.error(args[0], ...args.slice(1));
    },
  };
}
