import { z } from 'zod';
import { MAX_PAGE } from '../chat/conversations.ts';
import { protectedProcedure, t } from './init.ts';

const id = z.string().min(1).max(64);
const cursor = z.string().max(512);
const size = z.number().int().min(1).max(MAX_PAGE);

/** Mirrors GraphQL's conversation API; results are the same connections (timestamps as epoch milliseconds). */
export const conversationRouter = t.router({
  list: protectedProcedure
    .input(z.object({ first: size.optional(), after: cursor.optional() }).optional())
    .query(({ ctx, input }) => ctx.service.conversations.list(ctx.principal, input?.first, input?.after)),

  /** null when it does not exist or is not the caller's. */
  get: protectedProcedure
    .input(z.object({ id }))
    .query(async ({ ctx, input }) => (await ctx.service.conversations.get(ctx.principal, input.id)) ?? null),

  messages: protectedProcedure
    .input(z.object({ conversationId: id, last: size.optional(), before: cursor.optional() }))
    .query(async ({ ctx, input }) => {
      const page = await ctx.service.conversations.messages(
        ctx.principal,
        input.conversationId,
        input.last,
        input.before,
      );
      // Assistant messages carry the AI label, as GraphQL's Message does.
      const edges = page.edges.map(({ cursor, node }) => {
        const aiGenerated = node.role === 'assistant';
        return { cursor, node: { ...node, aiGenerated, label: aiGenerated ? ctx.service.aiLabel : null } };
      });
      return { ...page, edges };
    }),

  rename: protectedProcedure
    .input(z.object({ id, title: z.string().max(1_000) }))
    .mutation(({ ctx, input }) => ctx.service.conversations.rename(ctx.principal, input.id, input.title)),

  /** A fresh agent session for the next turn; the stored messages stay. */
  reset: protectedProcedure
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => ctx.service.conversations.reset(ctx.principal, input.id)),

  delete: protectedProcedure
    .input(z.object({ id }))
    .mutation(async ({ ctx, input }) => ({ deleted: await ctx.service.conversations.delete(ctx.principal, input.id) })),
});
