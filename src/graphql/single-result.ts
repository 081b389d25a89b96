import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  type GraphQLError,
  type GraphQLSchema,
  getOperationAST,
} from 'graphql';
import { type FetchAPI, type Plugin, processRegularResult } from 'graphql-yoga';
import { disconnectSignal } from '../http/disconnect.ts';
import { reportLeanPath } from '../http/lean-path.ts';
import type { GraphQLContext, ServerContext } from './context.ts';
import { logAnsweredError } from './errors.ts';

export interface SingleResultResponse {
  status: number;
  contentType: string;
  /** Every header yoga set, when it formatted the answer (errors may carry some). */
  headers?: Headers;
  body: string;
}

/** The Accept values a JSON client sends, and the media type yoga answers each with (its first acceptable one). */
const ANSWERED_AS: Record<string, string> = {
  '': 'application/json',
  '*/*': 'application/json',
  'application/json': 'application/json',
  'application/graphql-response+json': 'application/graphql-response+json',
  'application/graphql-response+json,application/json': 'application/graphql-response+json',
};

/** Clients send a handful of distinct documents; the bound only stops a hostile one from growing the map. */
const VETTED_DOCUMENTS = 256;

const PARAM_NAMES = new Set(['query', 'variables', 'operationName', 'extensions']);

interface Params {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  extensions?: Record<string, unknown> | null;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Params yoga would accept as they are: anything else is yoga's to answer (and to explain). */
function asParams(body: unknown): Params | undefined {
  if (!isPlainObject(body) || typeof body.query !== 'string') return undefined;
  for (const key in body) if (!PARAM_NAMES.has(key)) return undefined;
  const { variables, operationName, extensions } = body;
  if (variables != null && !isPlainObject(variables)) return undefined;
  if (operationName != null && typeof operationName !== 'string') return undefined;
  if (extensions != null && !isPlainObject(extensions)) return undefined;
  return body as unknown as Params;
}

export interface SingleResultOptions {
  schema: GraphQLSchema;
  /** The context yoga's own `context` option builds, from the same inputs. */
  contextFor: (context: ServerContext) => GraphQLContext;
  /** The masking yoga applies (its `maskedErrors.maskError` and default message). */
  maskError: (error: unknown, message: string) => Error;
}

/** Yoga's default message for masked errors. */
const MASKED_MESSAGE = 'Unexpected error.';

/**
 * A lean path for a query or mutation POSTed as plain JSON by a client that is not a browser (no `Origin`, so no
 * CORS) and accepts a JSON answer: every call the mini-program SDK makes except subscriptions. Going through yoga
 * (a fetch `Request` built from the Node request, envelop's hook chain, a `Response` written back) costs about as
 * much CPU as the whole REST request does; here graphql-js executes the document directly, with the context and
 * error masking yoga would apply, and yoga's own `processRegularResult` formats any answer that carries errors.
 *
 * Yoga vets every document first: a document runs here only after yoga itself has parsed, validated (armor's
 * limits, introspection) and executed it once, which `plugin` records. Those checks depend on the document alone,
 * the same assumption yoga's parse and validation caches make. Anything else (a new document, a subscription,
 * a browser, another Accept, params yoga would question) is left to yoga, which stays the one authority on errors.
 * `execution-hooks.test.ts` fails when a plugin with execution hooks is added that this path would skip.
 */
export function createSingleResultPath(options: SingleResultOptions) {
  const { schema, contextFor, maskError } = options;
  const vetted = new Map<string, DocumentNode>();

  const plugin: Plugin<GraphQLContext & { params?: { query?: unknown } }> = {
    onExecute({ args }) {
      const query = args.contextValue.params?.query;
      if (typeof query !== 'string' || vetted.has(query)) return;
      if (vetted.size >= VETTED_DOCUMENTS) vetted.delete(vetted.keys().next().value as string);
      vetted.set(query, args.document);
    },
  };

  const masked = (errors: readonly GraphQLError[], log: FastifyRequest['log']) =>
    errors.map((error) => {
      const replacement = maskError(error, MASKED_MESSAGE);
      if (replacement !== error) logAnsweredError(log, error);
      return replacement as GraphQLError;
    });

  const bind = (fetchAPI: FetchAPI) => {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<SingleResultResponse | undefined> => {
      const { headers } = request;
      if (headers.origin !== undefined || !headers['content-type']?.startsWith('application/json')) return undefined;
      const answeredAs = ANSWERED_AS[(headers.accept ?? '').replace(/\s/g, '').toLowerCase()];
      if (answeredAs === undefined) return undefined;
      const params = asParams(request.body);
      if (params === undefined) return undefined;
      const document = vetted.get(params.query);
      if (document === undefined) return undefined;
      const operation = getOperationAST(document, params.operationName);
      if (operation === null || operation === undefined || operation.operation === 'subscription') return undefined;

      const signal = disconnectSignal(reply);
      const contextValue = contextFor({ req: request, reply, principal: request.principal, signal });
      let result: ExecutionResult;
      try {
        result = await execute({
          schema,
          document,
          contextValue,
          variableValues: params.variables,
          operationName: params.operationName,
        });
      } catch (error) {
        result = { errors: [error as GraphQLError] };
      }
      reportLeanPath('graphql', operation.name?.value ?? operation.operation);
      // A clean result needs none of yoga's error handling (status from errors, internals stripped): it is JSON.
      if (result.errors === undefined && result.extensions === undefined) {
        return { status: 200, contentType: `${answeredAs}; charset=utf-8`, body: JSON.stringify(result) };
      }
      if (result.errors !== undefined) result = { ...result, errors: masked(result.errors, request.log) };
      const response = processRegularResult(result, fetchAPI, answeredAs);
      const contentType = response.headers.get('content-type') ?? `${answeredAs}; charset=utf-8`;
      return { status: response.status, contentType, headers: response.headers, body: await response.text() };
    };
  };

  return { plugin, bind };
}
