import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { type DocumentNode, type ExecutionArgs, type execute, GraphQLError, type subscribe } from 'graphql';
import { type Extra, makeHandler } from 'graphql-ws/use/@fastify/websocket';
import type { Principal } from '../chat/principal.ts';
import { AppError } from '../contract/errors.ts';
import type { Authenticate } from '../http/auth.ts';
import type { GraphQLYoga } from './yoga.ts';

/** Set by onConnect. graphql-ws closes a socket (4401) that subscribes before onConnect accepted it. */
type Caller = { principal: Principal; credentials: IncomingHttpHeaders };

interface Roots {
  execute: typeof execute;
  subscribe: typeof subscribe;
}

const rootsOf = (args: ExecutionArgs) => args.rootValue as Roots;
const accepted = (extra: Extra & Partial<Caller>) => extra as Extra & Caller;

/** Keys may come as upgrade headers (wx.connectSocket `header`) or in connection_init's payload. */
function credentials(request: FastifyRequest, params: Readonly<Record<string, unknown>> | undefined) {
  const headers = { ...request.headers };
  if (typeof params?.apiKey === 'string') headers['x-api-key'] = params.apiKey;
  if (typeof params?.authorization === 'string') headers.authorization = params.authorization;
  return headers;
}

/**
 * graphql-ws on the same yoga engine as HTTP. The socket authenticates once, in its handshake; each operation is
 * parsed and validated on its own, so a bad document is an `error` message for its id and the socket's other
 * subscriptions go on (a throw here would close the whole socket with 4500).
 */
export function createGraphQLWsHandler(yoga: GraphQLYoga, authenticate: Authenticate) {
  return makeHandler<Record<string, unknown> | undefined, Caller>({
    onConnect: async (ctx) => {
      try {
        ctx.extra.credentials = credentials(ctx.extra.request, ctx.connectionParams);
        ctx.extra.principal = await authenticate(ctx.extra.credentials);
        return true;
      } catch (error) {
        // An expired token closes with 4401 and says so: the client refreshes and reconnects instead of signing in.
        if (error instanceof AppError && error.code === 'TOKEN_EXPIRED') ctx.extra.socket.close(4401, 'TOKEN_EXPIRED');
        return false;
      }
    },
    onSubscribe: async (ctx, _id, payload) => {
      const { request: req, principal: connected, credentials: presented } = accepted(ctx.extra);
      // A signed-in user is re-checked per operation (cached): a block, a sign-out or an expired token applies to
      // a long-lived socket too, as an error for this operation.
      let principal = connected;
      if (connected.kind === 'user') {
        try {
          principal = await authenticate(presented);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          return [new GraphQLError(error.message, { extensions: { code: error.code } })];
        }
      }
      const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
        req,
        principal,
        params: payload,
      });
      let document: DocumentNode;
      try {
        document = parse(payload.query);
      } catch (error) {
        if (error instanceof GraphQLError) return [error];
        throw error;
      }
      const errors = validate(schema, document);
      if (errors.length > 0) return errors;
      return {
        schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue: await contextFactory(),
        rootValue: { execute, subscribe } satisfies Roots,
      };
    },
    execute: (args) => rootsOf(args).execute(args),
    subscribe: (args) => rootsOf(args).subscribe(args),
  });
}
