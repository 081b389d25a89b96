import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const SUGGESTION = ' Did you mean ';

/**
 * graphql-js ends a message with its suggestions (`Did you mean "messages"?`, `Did you mean the enum value
 * "user"?`): they name schema members a client cannot otherwise see with introspection off. One backward scan.
 */
export function withoutSuggestions(message: string): string {
  const at = message.lastIndexOf(SUGGESTION);
  return at === -1 ? message : message.slice(0, at);
}

/** The same error (locations, path, cause, extensions) without its suggestions. */
export function hideSuggestions(error: GraphQLError): GraphQLError {
  const message = withoutSuggestions(error.message);
  if (message === error.message) return error;
  const { nodes, source, positions, path, originalError, extensions } = error;
  return new GraphQLError(message, { nodes, source, positions, path, originalError, extensions });
}

/** Strips suggestions from validation errors on every transport (coercion errors: see `createMaskError`). */
export function useNoSuggestions(): Plugin {
  return {
    onValidate() {
      return ({ valid, result, setResult }) => {
        if (!valid) setResult(result.map((error) => (error instanceof GraphQLError ? hideSuggestions(error) : error)));
      };
    },
  };
}
