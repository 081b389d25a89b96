import type { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
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
 * By name, not `instanceof`: graphql can be loaded twice (its CJS and ESM builds, e.g. under vitest), and
 * errors from yoga, armor or graphql-js itself must still be recognised as GraphQL's own. For the same reason
 * errors are made with yoga's createGraphQLError, so they are of the GraphQLError class yoga itself checks.
 */
function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
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
    return createGraphQLError(appError.message, {
      ...(path ? { path } : {}),
      extensions: {
        code: appError.code,
        ...(appError.retryAfter !== undefined ? { retryAfter: appError.retryAfter } : {}),
      },
    });
  }
  if (isGraphQLError(error) && (!error.originalError || isGraphQLError(error.originalError))) {
    const code = error.extensions?.code ?? 'INVALID_INPUT';
    return createGraphQLError(error.message, { ...error, extensions: { ...error.extensions, code } });
  }
  return createGraphQLError(message, { extensions: { code: 'INTERNAL' } });
}
