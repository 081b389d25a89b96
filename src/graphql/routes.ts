import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/auth-service.ts';
import type { ChatService } from '../chat/service.ts';
import { FIXED_LIMITS } from '../config/fixed-limits.ts';
import { errorDetails } from '../contract/errors.ts';
import type { AttachmentLimits } from '../contract/limits.ts';
import { type Authenticate, requireAuthentication } from '../http/auth.ts';
import { errorHeaders, fromFastifyError } from '../http/errors.ts';
import { logAnsweredError } from '../http/log-policy.ts';
import { serveGraphiQL } from './graphiql.ts';
import { createGraphQLWsHandler } from './ws.ts';
import { createGraphQLYoga, type GraphQLYoga } from './yoga.ts';

export interface GraphQLOptions {
  service: ChatService;
  /** WeChat sign-in: callers without credentials may then run signInWithWechat and refreshSession. */
  auth?: AuthService;
  authenticate: Authenticate;
  limits: AttachmentLimits;
  graphiql: boolean;
  /** Prefilled in GraphiQL's Headers tab (the demo only). */
  graphiqlApiKey?: string;
  introspection: boolean;
  path?: string;
}

/** Failures before GraphQL runs (auth, body cap, malformed JSON) still answer in GraphQL's shape. */
function answerInGraphQLShape(error: Error, request: FastifyRequest, reply: FastifyReply) {
  const appError = fromFastifyError(error);
  logAnsweredError(request.log, appError.code, appError.message, appError.code === 'INTERNAL' ? error : undefined);
  return reply
    .code(appError.status)
    .headers(errorHeaders(appError))
    .send({ errors: [{ message: appError.message, extensions: { code: appError.code, ...errorDetails(appError) } }] });
}

/**
 * A websocket upgrade (`request.ws`, set by @fastify/websocket for a request that came as an upgrade: its HTTP
 * handler never runs) authenticates in its handshake. A CORS preflight carries no key by design: yoga's CORS plugin
 * answers every OPTIONS (204) before any operation is looked at.
 */
const authenticatedElsewhere = (request: FastifyRequest) => request.ws || request.method === 'OPTIONS';

function httpHandler(yoga: GraphQLYoga) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const response = await yoga.handleNodeRequestAndResponse(request, reply, {
      req: request,
      principal: request.principal,
    });
    response.headers.forEach((value, key) => {
      reply.header(key, value);
    });
    reply.status(response.status);
    // Only event streams need to flow; a single result is cheaper sent as one string.
    const streaming = response.headers.get('content-type')?.startsWith('text/event-stream');
    return reply.send(streaming ? response.body : await response.text());
  };
}

/**
 * `/graphql`: queries and mutations over HTTP, subscriptions over SSE (POST) and graphql-ws, GraphiQL's page on GET.
 * Every HTTP request but the page authenticates in onRequest, before its body is read; a websocket upgrade
 * authenticates in its own handshake. Returns the yoga instance, for inspection.
 */
export async function registerGraphQL(app: FastifyInstance, options: GraphQLOptions): Promise<GraphQLYoga> {
  const path = options.path ?? '/graphql';
  const yoga = createGraphQLYoga({
    path,
    service: options.service,
    limits: options.limits,
    auth: options.auth,
    introspection: options.introspection,
    log: app.log,
  });
  await app.register(async (scope) => {
    await scope.register(websocket, { options: { maxPayload: FIXED_LIMITS.graphqlWsMaxPayloadBytes } });
    scope.setErrorHandler(answerInGraphQLShape);
    // Yoga refuses a text/plain body with an empty 415; refused here instead, it says what to send.
    scope.removeContentTypeParser('text/plain');
    if (options.graphiql) scope.addHook('onRequest', serveGraphiQL({ endpoint: path, apiKey: options.graphiqlApiKey }));
    requireAuthentication(scope, {
      authenticate: options.authenticate,
      exempt: authenticatedElsewhere,
      ...(options.auth ? { guestMaxBodyBytes: FIXED_LIMITS.guestMaxBodyBytes } : {}),
    });
    const handler = httpHandler(yoga);
    scope.route({ url: path, method: 'GET', handler, wsHandler: createGraphQLWsHandler(yoga, options.authenticate) });
    scope.route({ url: path, method: ['POST', 'OPTIONS'], handler });
  });
  return yoga;
}
