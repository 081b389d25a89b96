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
 * transport uses one); GraphQL's own validation errors pass through; anything else is masked.
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
  if (error instanceof GraphQLError && !error.originalError) {
    const code = error.extensions?.code ?? 'INVALID_INPUT';
    return new GraphQLError(error.message, { ...error, extensions: { ...error.extensions, code } });
  }
  return new GraphQLError(message, { extensions: { code: 'INTERNAL' } });
}
