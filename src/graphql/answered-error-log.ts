import type { FastifyRequest } from 'fastify';
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type ErrorLog, logAnsweredError } from '../http/log-policy.ts';
import type { GraphQLContext, ServerContext } from './context.ts';
import { codeOf } from './errors.ts';

function logAll(log: ErrorLog, errors: readonly Error[] | undefined): void {
  for (const error of errors ?? []) {
    logAnsweredError(log, codeOf(error), error.message, (error as GraphQLError).originalError ?? error);
  }
}

const requestLog = (context: Partial<ServerContext>): ErrorLog | undefined => (context.req as FastifyRequest)?.log;

/**
 * Logs every error GraphQL answers, on every transport, with the request's logger (so with its request id) and the
 * one policy of http/log-policy: refused documents when parsed or validated, failed operations as results come out.
 */
export function useAnsweredErrorLog(): Plugin<GraphQLContext> {
  return {
    onParse({ context }) {
      return ({ result }) => {
        const log = requestLog(context as Partial<ServerContext>);
        if (log && result instanceof Error) logAnsweredError(log, codeOf(result), result.message, result);
      };
    },
    onValidate({ context }) {
      return ({ valid, result }) => {
        const log = requestLog(context as Partial<ServerContext>);
        if (log && !valid) logAll(log, result);
      };
    },
    onExecute({ args }) {
      const log = (args.contextValue as GraphQLContext).log;
      return {
        onExecuteDone: ({ result }) => {
          if ('errors' in result) logAll(log, (result as ExecutionResult).errors);
        },
      };
    },
    onSubscribe({ args }) {
      const log = (args.contextValue as GraphQLContext).log;
      return {
        onSubscribeResult: ({ result }) => {
          if ('errors' in result) logAll(log, (result as ExecutionResult).errors);
          return {
            onNext: ({ result: next }) => logAll(log, next.errors),
          };
        },
        onSubscribeError: ({ error }) => logAll(log, [error instanceof Error ? error : new Error(String(error))]),
      };
    },
  };
}
