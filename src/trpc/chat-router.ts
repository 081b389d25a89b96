import { tracked } from '@trpc/server';
import { ChatEventsInput, RunRef, SendChatInput } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import { toTRPCError } from './errors.ts';
import { protectedProcedure, t } from './init.ts';

export const chatRouter = t.router({
  /** One turn, awaited to completion: the same ChatResult as GraphQL's sendChat. */
  send: protectedProcedure
    .input(SendChatInput)
    .mutation(({ ctx, input, signal }) => ctx.service.send(ctx.principal, input, signal)),

  /** Starts a streaming run that proceeds server-side; follow it with chat.events. */
  start: protectedProcedure.input(SendChatInput).mutation(({ ctx, input }) => {
    const run = ctx.service.start(ctx.principal, input, { stream: true });
    return { runId: run.id };
  }),

  /** The run's events after lastEventId (all when omitted); each is tracked, so reconnects resume. */
  events: protectedProcedure.input(ChatEventsInput).subscription(async function* ({ ctx, input, signal }) {
    let events: AsyncGenerator<import('../contract/chat.ts').ChatEvent>;
    try {
      events = ctx.service.events(ctx.principal, input.runId, input.lastEventId, signal);
    } catch (error) {
      throw error instanceof AppError ? toTRPCError(error) : error;
    }
    for await (const event of events) yield tracked(event.eventId, event);
  }),

  cancel: protectedProcedure.input(RunRef).mutation(({ ctx, input }) => ({
    cancelled: ctx.service.cancel(ctx.principal, input.runId),
  })),
});
