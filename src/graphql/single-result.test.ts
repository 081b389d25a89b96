import type { FastifyReply, FastifyRequest } from 'fastify';
import { parse } from 'graphql';
import type { FetchAPI } from 'graphql-yoga';
import { describe, expect, it, vi } from 'vitest';
import type { ChatService } from '../chat/service.ts';
import type { GraphQLContext } from './context.ts';
import { maskError } from './errors.ts';
import { schema } from './schema.ts';
import { createSingleResultPath } from './single-result.ts';

const QUERY = '{ __typename }';

function setup() {
  const path = createSingleResultPath({
    schema,
    contextFor: ({ principal, signal }) => ({
      principal: principal!,
      service: {} as ChatService,
      limits: {} as GraphQLContext['limits'],
      signal,
    }),
    maskError,
  });
  /** What yoga's plugin hook sees once yoga has run `query` itself. */
  const vet = (query: string) =>
    (path.plugin.onExecute as (payload: unknown) => void)({
      args: { document: parse(query), contextValue: { params: { query } } },
    });
  // Node's own fetch classes: only answers with errors build a Response.
  const answer = path.bind(globalThis as unknown as FetchAPI);
  const call = (body: unknown, headers: Record<string, string> = {}) =>
    answer(
      {
        headers: { 'content-type': 'application/json', ...headers },
        body,
        principal: { id: 'p' },
        log: { info: vi.fn(), error: vi.fn() },
      } as unknown as FastifyRequest,
      { raw: { once: () => {}, writableEnded: false } } as unknown as FastifyReply,
    );
  return { vet, call };
}

describe('the lean single-result path', () => {
  it('answers a document only once yoga has run it', async () => {
    const { vet, call } = setup();
    expect(await call({ query: QUERY })).toBeUndefined();
    vet(QUERY);
    expect(await call({ query: QUERY })).toEqual({
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: '{"data":{"__typename":"Query"}}',
    });
  });

  it('remembers at most 256 documents, forgetting the oldest first', async () => {
    const { vet, call } = setup();
    const queries = Array.from({ length: 257 }, (_, i) => `query Q${i} { __typename }`);
    for (const query of queries) vet(query);
    expect(await call({ query: queries[0] })).toBeUndefined();
    expect(await call({ query: queries[1] })).toBeDefined();
    expect(await call({ query: queries[256] })).toBeDefined();
  });

  it.each([
    ['a browser (Origin)', { query: QUERY }, { origin: 'https://example.com' }],
    ['a form post', { query: QUERY }, { 'content-type': 'text/plain' }],
    ['an Accept yoga must negotiate', { query: QUERY }, { accept: 'application/json;q=0.9, */*;q=0.1' }],
    ['an unknown parameter', { query: QUERY, extra: 1 }, {}],
    ['variables that are not an object', { query: QUERY, variables: [] }, {}],
    ['an operationName that is not a string', { query: QUERY, operationName: 1 }, {}],
    ['a batch', [{ query: QUERY }], {}],
    ['an operationName the document lacks', { query: QUERY, operationName: 'Nope' }, {}],
  ])('leaves %s to yoga', async (_name, body, headers) => {
    const { vet, call } = setup();
    vet(QUERY);
    expect(await call(body, headers)).toBeUndefined();
  });

  it('leaves a subscription to yoga even once vetted', async () => {
    const { vet, call } = setup();
    const subscription = 'subscription { chatEvents(runId: "r") { __typename } }';
    vet(subscription);
    expect(await call({ query: subscription })).toBeUndefined();
  });
});
