import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import type { ChatService } from '../chat/service.ts';
import { AppError } from '../contract/errors.ts';
import type { AttachmentLimits } from '../contract/limits.ts';
import { createGraphQLYoga } from './yoga.ts';

const spyLog = () => ({ info: vi.fn(), error: vi.fn(), warn: vi.fn(), debug: vi.fn() });

/** One request through yoga with its own logger: the lines it gets are the ones that carry its request id. */
async function answer(query: string, service: Partial<ChatService> = {}) {
  const appLog = spyLog();
  const requestLog = spyLog();
  const yoga = createGraphQLYoga({
    path: '/graphql',
    introspection: true,
    service: service as ChatService,
    limits: {} as AttachmentLimits,
    log: appLog as unknown as FastifyBaseLogger,
  });
  const response = await yoga.fetch(
    'http://localhost/graphql',
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) },
    { req: { log: requestLog } as unknown as FastifyRequest, principal: { id: 'p' } },
  );
  await response.text();
  return { appLog, requestLog };
}

describe('useAnsweredErrorLog', () => {
  it('a chat-service error: info on the request logger, with its code; nothing at error level anywhere', async () => {
    const cancel = () => {
      throw new AppError('NOT_FOUND', 'No run abc.');
    };
    const { appLog, requestLog } = await answer('mutation { cancelChat(runId: "abc") }', { cancel });
    expect(requestLog.info).toHaveBeenCalledWith({ code: 'NOT_FOUND' }, 'No run abc.');
    expect(requestLog.error).not.toHaveBeenCalled();
    expect(appLog.error).not.toHaveBeenCalled();
  });

  it('a bug: error level on the request logger, with the original error', async () => {
    const bug = new TypeError('x is undefined');
    const { requestLog } = await answer('mutation { cancelChat(runId: "abc") }', {
      cancel: () => {
        throw bug;
      },
    });
    expect(requestLog.error).toHaveBeenCalledWith({ err: bug }, 'x is undefined');
  });

  it.each([
    ['a syntax error', '{ limits {'],
    ['a validation error', '{ nope }'],
  ])('%s: info on the request logger', async (_label, query) => {
    const { requestLog, appLog } = await answer(query);
    expect(requestLog.info).toHaveBeenCalledTimes(1);
    expect(requestLog.info.mock.calls[0]?.[0]).toHaveProperty('code');
    expect(appLog.error).not.toHaveBeenCalled();
  });
});
