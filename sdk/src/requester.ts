import type { Requester } from '../generated/graphql.ts';
import { bodyToJson } from './body.ts';
import {
  type GraphQLRequestBody,
  operationNameOf,
  operationTypeOf,
  type RequestOptions,
  type TransportContext,
} from './context.ts';
import { errorFromResponse, isRefreshable, SdkError } from './errors.ts';
import { wxRequest } from './http.ts';
import { subscribe } from './subscription.ts';

const JSON_HEADERS = {
  'Content-Type': 'application/json',
  Accept: 'application/graphql-response+json, application/json',
};

/** Runs a query or mutation; a refused token is retried once with a refreshed one when a token supplier exists. */
export async function execute<R>(
  context: TransportContext,
  body: GraphQLRequestBody,
  extraHeader: Record<string, string> = {},
): Promise<R> {
  let forceRefresh = false;
  let rejected: string | undefined;
  for (;;) {
    const authHeader = await context.auth.headers(forceRefresh, rejected);
    const response = await wxRequest(context.wx, {
      url: context.url,
      method: 'POST',
      header: { ...JSON_HEADERS, ...extraHeader, ...authHeader },
      data: JSON.stringify(body),
      dataType: 'text',
      responseType: 'text',
      timeout: context.timeoutMs,
    });
    const payload = bodyToJson(response.data) as { data?: unknown } | undefined;
    const error = errorFromResponse(response.statusCode, payload);
    if (error) {
      if (isRefreshable(error) && context.auth.canRefresh && !forceRefresh) {
        forceRefresh = true;
        rejected = authHeader.Authorization;
        continue;
      }
      throw error;
    }
    if (payload?.data === undefined || payload.data === null) {
      throw new SdkError('BAD_RESPONSE', 'The response has no data.', { status: response.statusCode });
    }
    return payload.data as R;
  }
}

/** The transport behind the generated `getSdk`: subscriptions become async iterables over SSE. */
export function createRequester(context: TransportContext): Requester<RequestOptions> {
  return <R, V>(document: string, variables?: V, options?: RequestOptions) => {
    const query = String(document); // generated documents are String wrappers
    const body: GraphQLRequestBody = { query, variables: variables ?? {}, operationName: operationNameOf(query) };
    return operationTypeOf(query) === 'subscription'
      ? subscribe<R>(context, body, options?.header)
      : execute<R>(context, body, options?.header);
  };
}
