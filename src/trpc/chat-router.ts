import { tracked } from '@trpc/server';
import { ChatEventsInput, RunRef, SendChatInput } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import { toTRPCError } from './errors.ts';
import { protectedProcedure, t } from './init.ts';

export const chatRouter = t.router({
  /** One turn, awaited to completion: the same ChatResult as GraphQL's sendChat. */
  send: protectedProcedure
    .input(SendChatInput)
    .mutation(({ ctx, input, signal }) =>
      ctx.service.sendInConversation(ctx.principal, input, { signal, log: ctx.log }),
    ),

  /** Starts a streaming run that proceeds server-side; follow it with chat.events. */
  start: protectedProcedure.input(SendChatInput).mutation(async ({ ctx, input }) => {
    const run = await ctx.service.open(ctx.principal, input, { stream: true, log: ctx.log });
    return { runId: run.id, conversationId: run.conversationId };
  }),

  /**
   * The run's events after lastEventId (all when omitted); each is tracked, so reconnects resume. AppErrors are
   * converted whether thrown up front (NOT_FOUND) or on first iteration (an unknown lastEventId): an unconverted
   * one would reach the client as INTERNAL_SERVER_ERROR, which httpSubscriptionLink retries forever.
   */
  events: protectedProcedure.input(ChatEventsInput).subscription(async function* ({ ctx, input, signal }) {
    try {
      const events = await ctx.service.replayableEvents(ctx.principal, input.runId, input.lastEventId, signal);
      for await (const event of events) yield tracked(event.eventId, event);
    } catch (error) {
      throw error instanceof AppError ? toTRPCError(error) : error;
    }
  }),

  cancel: protectedProcedure.input(RunRef).mutation(async ({ ctx, input }) => ({
    cancelled: await ctx.service.cancel(ctx.principal, input.runId),
  })),
});
