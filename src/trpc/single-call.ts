import { type AnyTRPCProcedure, callTRPCProcedure, getTRPCErrorFromUnknown, getTRPCErrorShape } from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { disconnectSignal } from '../http/disconnect.ts';
import { reportLeanPath } from '../http/lean-path.ts';
import type { TrpcContext } from './context.ts';
import { appRouter } from './router.ts';

export interface SingleCallResponse {
  status: number;
  body: string;
}

export interface SingleCallOptions {
  createContext: (options: { req: FastifyRequest }) => TrpcContext;
  onError: (error: ReturnType<typeof getTRPCErrorFromUnknown>, path: string) => void;
}

export const MUTATIONS = new Set(
  // At run time the router keeps its procedures flat, by dotted path.
  Object.entries(appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure>)
    .filter(([, procedure]) => procedure._def.type === 'mutation')
    .map(([path]) => path),
);

/** The headers tRPC's `resolveResponse` sends with a single JSON answer. */
export const SINGLE_CALL_HEADERS = { 'content-type': 'application/json', vary: 'trpc-accept, accept' };

/**
 * One mutation POSTed as JSON, not batched and not streamed: what `httpLink` sends for `chat.send`, `chat.start`
 * and `chat.cancel`. It is called with tRPC's own `callTRPCProcedure` (same middleware, input parsing and error
 * shapes), but without the fetch `Request`/`Response` round trip of `resolveResponse`, which costs about as much
 * CPU as the whole REST request does.
 *
 * Returns undefined, having done nothing, for anything else (batches, JSONL streams, queries, subscriptions,
 * unknown paths, bodies that are not JSON): `resolveResponse` answers those.
 */
export function createSingleCallExecutor(options: SingleCallOptions) {
  const { createContext, onError } = options;
  const config = appRouter._def._config;

  return async (
    request: FastifyRequest,
    reply: FastifyReply,
    path: string,
  ): Promise<SingleCallResponse | undefined> => {
    const { headers } = request;
    if (!MUTATIONS.has(path) || request.url.includes('?') || headers['trpc-accept'] !== undefined) return undefined;
    if (headers.accept?.includes('application/jsonl') || !headers['content-type']?.startsWith('application/json')) {
      return undefined;
    }
    if (typeof request.body !== 'string' || request.body === '') return undefined;
    let input: unknown;
    try {
      input = JSON.parse(request.body);
    } catch {
      return undefined;
    }

    reportLeanPath('trpc', path);
    const ctx = createContext({ req: request });
    try {
      const data = await callTRPCProcedure({
        router: appRouter,
        path,
        getRawInput: () => Promise.resolve(input),
        ctx,
        type: 'mutation',
        signal: disconnectSignal(reply),
        batchIndex: 0,
      });
      return { status: 200, body: JSON.stringify({ result: { data } }) };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      onError(error, path);
      const json = { error: getTRPCErrorShape({ config, error, type: 'mutation', path, input, ctx }) };
      return { status: getHTTPStatusCode(json, [error]), body: JSON.stringify(json) };
    }
  };
}
