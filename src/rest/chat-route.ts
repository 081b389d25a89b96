import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ChatService } from '../chat/service.ts';
import { SendChatInput } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import { parseInput } from '../contract/validation.ts';
import { disconnectSignal } from '../http/disconnect.ts';
import { errorBody } from '../http/errors.ts';
import { SseWriter } from '../http/sse.ts';
import { chunkRenderer, toChatCompletion, toolProgress } from './openai-shape.ts';

export interface RestChatOptions {
  service: ChatService;
  heartbeatMs: number;
}

const RestChatBody = SendChatInput.extend({ stream: z.boolean().optional() });

/**
 * `POST /api/chat`: the compatibility shim for clawtop-minipro. Legacy clients cannot resume a
 * stream, so a disconnect cancels the run and aborts the upstream request at once.
 */
export function registerRestChat(app: FastifyInstance, options: RestChatOptions): void {
  const { service } = options;
  app.post('/api/chat', async (request, reply) => {
    const { stream, ...input } = parseInput(RestChatBody, request.body);
    const principal = request.principal;

    if (!stream) {
      const result = await service.send(principal, input, { signal: disconnectSignal(reply), log: request.log });
      reply.header('x-run-id', result.runId);
      return toChatCompletion(result);
    }

    const run = await service.begin(principal, input, { stream: true, log: request.log });
    if (reply.raw.destroyed) run.cancel();
    const sse = new SseWriter(reply, { heartbeatMs: options.heartbeatMs, headers: { 'x-run-id': run.id } });
    const render = chunkRenderer(run.id, run.model);
    const detach = new AbortController();
    reply.raw.once('close', () => {
      run.cancel();
      detach.abort();
    });
    try {
      for await (const event of run.subscribe(undefined, detach.signal)) {
        // Awaiting each write is the backpressure: an unread stream waits here, its run's log is capped.
        if (event.type === 'started') await sse.data(render.role());
        else if (event.type === 'delta') await sse.data(render.delta(event.text));
        else if (event.type === 'completed') await sse.data(render.finish(event.result));
        else if (event.type === 'tool') await sse.comment(`x_tool ${JSON.stringify(toolProgress(event))}`);
        else {
          const body = errorBody(new AppError(event.code, event.message), request.id);
          await sse.data(JSON.stringify(event.retracted ? { ...body, retracted: true } : body));
        }
      }
      await sse.data('[DONE]');
    } finally {
      sse.end();
    }
  });
}
