import { useEngine } from '@envelop/core';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import websocket from '@fastify/websocket';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { execute, subscribe } from 'graphql';
import { makeHandler } from 'graphql-ws/use/@fastify/websocket';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Principal } from '../chat/principal.ts';
import type { ChatService } from '../chat/service.ts';
import type { AttachmentLimits } from '../contract/limits.ts';
import type { Authenticate } from '../http/auth.ts';
import { fromFastifyError } from '../http/errors.ts';
import type { GraphQLContext, ServerContext } from './context.ts';
import { maskError, yogaLogger } from './errors.ts';
import { useNoIntrospection } from './no-introspection.ts';
import { schema } from './schema.ts';

export interface GraphQLOptions {
  service: ChatService;
  authenticate: Authenticate;
  limits: AttachmentLimits;
  graphiql: boolean;
  introspection: boolean;
  path?: string;
}

const GRAPHIQL_EXAMPLE = /* GraphQL */ `# Set your API key in the Headers tab below, then run this subscription.
subscription Chat {
  chatStream(input: { messages: [{ role: user, content: "你好, OpenClaw!" }] }) {
    __typename
    ... on ChatStarted { runId eventId }
    ... on ChatDelta { eventId text }
    ... on ChatCompleted { result { message { content } usage { totalTokens } attachments { __typename } } }
    ... on ChatFailed { code message }
  }
}
`;

/**
 * `/graphql`: queries and mutations over HTTP, subscriptions over SSE (POST) and graphql-ws, GraphiQL on GET.
 * Returns the yoga instance, for inspection.
 */
export async function registerGraphQL(
  app: FastifyInstance,
  options: GraphQLOptions,
): Promise<YogaServerInstance<ServerContext, GraphQLContext>> {
  const path = options.path ?? '/graphql';
  const contextFor = ({ req, principal, signal }: ServerContext): GraphQLContext => ({
    principal: principal ?? req.principal,
    service: options.service,
    limits: options.limits,
    log: req.log,
    signal,
  });
  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: path,
    graphiql: options.graphiql
      ? {
          title: 'OpenClaw mini-program backend',
          subscriptionsProtocol: 'SSE',
          headers: JSON.stringify({ 'x-api-key': '<your API key>' }, null, 2),
          defaultQuery: GRAPHIQL_EXAMPLE,
        }
      : false,
    // Served from the package, not a CDN: the page must work where unpkg is unreachable (e.g. mainland China).
    // Loaded on first use: the inlined page costs ~40 MB of RSS that a production server should not carry.
    renderGraphiQL: async (graphiqlOptions) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiqlOptions),
    landingPage: false,
    logging: yogaLogger(app.log),
    maskedErrors: { maskError },
    context: ({ request, ...serverContext }) => contextFor({ ...serverContext, signal: request?.signal }),
    plugins: [
      // graphql-js's reference executor: cheaper variable coercion than graphql-tools', same @oneOf.
      useEngine({ execute, subscribe }),
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        costLimit: { maxCost: 2000 },
        maxAliases: { n: 10 },
        maxTokens: { n: 2000 },
        maxDirectives: { n: 20 },
        blockFieldSuggestion: { enabled: !options.introspection },
      }),
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'x-api-key', 'authorization'] }),
      ...(options.introspection ? [] : [useNoIntrospection()]),
    ],
  });

  await app.register(websocket, { options: { maxPayload: 32 * 1024 * 1024 } });

  const wsHandler = makeHandler({
    schema,
    // Keys may come as upgrade headers (wx.connectSocket `header`) or in connection_init's payload.
    onConnect: (ctx) => {
      const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
      const headers = { ...ctx.extra.request.headers };
      if (typeof params.apiKey === 'string') headers['x-api-key'] = params.apiKey;
      if (typeof params.authorization === 'string') headers.authorization = params.authorization;
      try {
        (ctx.extra as unknown as { principal: Principal }).principal = options.authenticate(headers);
        return true;
      } catch {
        return false;
      }
    },
    onSubscribe: async (ctx, _id, payload) => {
      const principal = (ctx.extra as unknown as { principal: Principal }).principal;
      const {
        schema: enveloped,
        execute,
        subscribe,
        contextFactory,
        parse,
        validate,
      } = yoga.getEnveloped({
        req: ctx.extra.request,
        principal,
        params: payload,
      });
      const document = parse(payload.query);
      const errors = validate(enveloped, document);
      if (errors.length > 0) return errors;
      return {
        schema: enveloped,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue: await contextFactory(),
        rootValue: { execute, subscribe },
      };
    },
    execute: (args) => (args.rootValue as { execute: typeof import('graphql').execute }).execute(args),
    subscribe: (args) => (args.rootValue as { subscribe: typeof import('graphql').subscribe }).subscribe(args),
  });

  // Failures before GraphQL runs (auth, body cap, malformed JSON) still answer in GraphQL's shape.
  const graphqlErrorHandler = (error: Error, request: FastifyRequest, reply: FastifyReply) => {
    const appError = fromFastifyError(error);
    if (appError.code === 'INTERNAL') request.log.error({ err: error }, appError.message);
    if (appError.retryAfter !== undefined) reply.header('retry-after', String(appError.retryAfter));
    return reply
      .code(appError.status)
      .send({ errors: [{ message: appError.message, extensions: { code: appError.code } }] });
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const response = await yoga.handleNodeRequestAndResponse(request, reply, { req: request, reply });
    response.headers.forEach((value, key) => {
      reply.header(key, value);
    });
    reply.status(response.status);
    // Only event streams need to flow; a single result is cheaper sent as one string.
    const streaming = response.headers.get('content-type')?.startsWith('text/event-stream');
    return reply.send(streaming ? response.body : await response.text());
  };
  // GraphiQL's page (a GET for HTML) needs no key; every operation does, checked before the body is read.
  const onRequest = async (request: FastifyRequest) => {
    if (request.method === 'OPTIONS') return;
    if (request.method === 'GET' && (request.headers.upgrade || request.headers.accept?.includes('text/html'))) return;
    request.principal = options.authenticate(request.headers);
  };
  const route = { url: path, onRequest, errorHandler: graphqlErrorHandler, handler };
  app.route({ ...route, method: 'GET', wsHandler });
  app.route({ ...route, method: ['POST', 'OPTIONS'] });
  return yoga;
}
