import { GraphQLError } from 'graphql';
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
  if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError)) {
    const code = error.extensions?.code ?? 'INVALID_INPUT';
    return new GraphQLError(error.message, { ...error, extensions: { ...error.extensions, code } });
  }
  return new GraphQLError(message, { extensions: { code: 'INTERNAL' } });
}
