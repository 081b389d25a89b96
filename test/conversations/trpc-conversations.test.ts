import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../src/trpc/router.ts';
import { ask, marker, upstreamFor } from '../helpers/fixtures.ts';
import { OTHER_API_KEY, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
const client = (apiKey = server.apiKey) =>
  createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${server.baseUrl}/trpc`, headers: { 'x-api-key': apiKey } })],
  });

const appCode = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof TRPCClientError ? (error.data as { appCode?: string } | undefined)?.appCode : error;
};

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('tRPC conversations (through @trpc/client)', () => {
  it('mirrors GraphQL: send, continue, list, messages, rename, delete; foreign ids are NOT_FOUND', async () => {
    const trpc = client();
    const first = await trpc.chat.send.mutate(ask('hello trpc'));
    expect(first.conversationId).toMatch(/^c_/);
    const id = first.conversationId!;
    const m = marker('next');
    const { runId, conversationId } = await trpc.chat.start.mutate(ask(m, { conversationId: id }));
    expect(conversationId).toBe(id);
    await upstreamFor(server.gateway, m);
    const listed = await trpc.conversations.list.query({ first: 10 });
    expect(listed.edges.map((e) => e.node.id)).toContain(id);
    const read = await trpc.conversations.messages.query({ conversationId: id, last: 10 });
    expect(read.edges.map((e) => e.node.runId).filter(Boolean)).toEqual([first.runId, runId]);
    expect((await trpc.conversations.rename.mutate({ id: id, title: 'T' })).title).toBe('T');

    const other = client(OTHER_API_KEY);
    expect(await other.conversations.get.query({ id: id })).toBeNull();
    expect(await appCode(other.conversations.messages.query({ conversationId: id }))).toBe('NOT_FOUND');
    expect(await appCode(other.conversations.rename.mutate({ id: id, title: 'x' }))).toBe('NOT_FOUND');
    expect(await appCode(other.conversations.delete.mutate({ id: id }))).toBe('NOT_FOUND');
    expect(await appCode(other.chat.send.mutate(ask('x', { conversationId: id })))).toBe('NOT_FOUND');

    expect(await trpc.conversations.delete.mutate({ id: id })).toEqual({ deleted: true });
    expect(await trpc.conversations.get.query({ id: id })).toBeNull();
  });
});
