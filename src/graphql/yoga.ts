import { useEngine } from '@envelop/core';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { FastifyBaseLogger } from 'fastify';
import { execute, type GraphQLError, subscribe, type ValidationContext } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { FIXED_LIMITS } from '../config/fixed-limits.ts';
import { useAnsweredErrorLog } from './answered-error-log.ts';
import { createGraphQLContext, type GraphQLContext, type GraphQLDependencies, type ServerContext } from './context.ts';
import { createMaskError, yogaLogger } from './errors.ts';
import { useGuestOperations } from './guest-operations.ts';
import { useNoIntrospection } from './no-introspection.ts';
import { schema } from './schema.ts';
import { useNoSuggestions } from './suggestions.ts';

const GRAPHQL = FIXED_LIMITS.graphql;

export type GraphQLYoga = YogaServerInstance<ServerContext, GraphQLContext>;

export interface YogaOptions extends GraphQLDependencies {
  path: string;
  introspection: boolean;
  log: FastifyBaseLogger;
}

/** A parse error is never cached: the cached object would carry the HTTP extensions of whichever transport came first. */
const NO_ERROR_CACHE = { get: () => undefined, set: () => {} };

/**
 * Armor's validation rules throw by default, which aborts validation: yoga turns the throw into an answer, but
 * graphql-ws closes the whole socket (4500). Reported like any other validation error, they are the operation's own.
 * (The token limit runs in the parser, where throwing is the only way out: ws.ts answers it per operation.)
 */
const REPORTED = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

/**
 * The one GraphQL engine behind HTTP, SSE and graphql-ws: schema, limits, masking, logging. GraphiQL is served by
 * the route (graphiql.ts), before authentication; yoga only ever sees authenticated operations.
 */
export function createGraphQLYoga(options: YogaOptions): GraphQLYoga {
  const { service, limits, auth } = options;
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: options.path,
    graphiql: false,
    landingPage: false,
    logging: yogaLogger(options.log),
    maskedErrors: { maskError: createMaskError({ hideSuggestions: !options.introspection }) },
    parserAndValidationCache: { errorCache: NO_ERROR_CACHE },
    context: ({ req, principal, request }) =>
      createGraphQLContext(principal, { service, limits, auth }, req, request?.signal),
    plugins: [
      // graphql-js's reference executor: cheaper variable coercion than graphql-tools', same @oneOf.
      useEngine({ execute, subscribe }),
      EnvelopArmorPlugin({
        maxDepth: { n: GRAPHQL.maxDepth, ...REPORTED },
        costLimit: { maxCost: GRAPHQL.maxCost, ...REPORTED },
        maxAliases: { n: GRAPHQL.maxAliases, ...REPORTED },
        maxTokens: { n: GRAPHQL.maxTokens },
        maxDirectives: { n: GRAPHQL.maxDirectives, ...REPORTED },
        // Its pattern misses "Did you mean the enum value …"; useNoSuggestions strips every form.
        blockFieldSuggestion: { enabled: false },
      }),
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'x-api-key', 'authorization'] }),
      useAnsweredErrorLog(),
      useGuestOperations(),
      ...(options.introspection ? [] : [useNoIntrospection(), useNoSuggestions()]),
    ],
  });
}
