import { SendChatInput } from '../../contract/chat.ts';
import { parseInput } from '../../contract/validation.ts';
import { builder } from '../builder.ts';
import { ChatEventRef } from './chat-event.ts';
import { ChatResultRef } from './chat-result.ts';
import { SendChatInputRef } from './send-chat-input.ts';

type GraphQLSendChatInput = typeof SendChatInputRef.$inferInput;

/** The GraphQL input into the contract's SendChatInput: `@oneOf` attachments become the tagged union. */
function toContractInput(input: GraphQLSendChatInput) {
  const attachments = input.attachments?.map((a) =>
    a.image
      ? { type: 'image' as const, ...a.image }
      : { type: 'file' as const, ...a.file, mimeType: a.file?.mimeType ?? undefined },
  );
  return parseInput(SendChatInput, {
    model: input.model ?? undefined,
    messages: input.messages,
    user: input.user ?? undefined,
    conversationId: input.conversationId == null ? undefined : String(input.conversationId),
    agentId: input.agentId ?? undefined,
    thinking: input.thinking ?? undefined,
    attachments,
  });
}

builder.mutationType({
  fields: (t) => ({
    sendChat: t.field({
      type: ChatResultRef,
      description: 'One turn, answered when complete. Prefer the chatStream subscription on phones (60 s request cap).',
      args: { input: t.arg({ type: SendChatInputRef, required: true }) },
      resolve: (_root, { input }, ctx) =>
        ctx.service.sendInConversation(ctx.principal, toContractInput(input), { signal: ctx.signal, log: ctx.log }),
    }),
    cancelChat: t.boolean({
      description: 'Stops a running run and aborts its upstream request; false when it had already ended.',
      args: { runId: t.arg.id({ required: true }) },
      resolve: (_root, { runId }, ctx) => ctx.service.cancel(ctx.principal, String(runId)),
    }),
  }),
});

builder.subscriptionType({
  fields: (t) => ({
    chatStream: t.field({
      type: ChatEventRef,
      description: 'Starts a run and streams it: ChatStarted, ChatDelta*, then ChatCompleted or ChatFailed.',
      args: { input: t.arg({ type: SendChatInputRef, required: true }) },
      subscribe: async (_root, { input }, ctx) => {
        const run = await ctx.service.open(ctx.principal, toContractInput(input), { stream: true, log: ctx.log });
        return ctx.service.follow(run, ctx.signal);
      },
      resolve: (event) => event,
    }),
    chatEvents: t.field({
      type: ChatEventRef,
      description:
        'Re-attaches to a running or finished run, replaying the events after `after` (all when omitted). After a restart a finished run replays from the store: ChatStarted, then its ChatCompleted or ChatFailed.',
      args: { runId: t.arg.id({ required: true }), after: t.arg.string() },
      subscribe: (_root, { runId, after }, ctx) =>
        ctx.service.replayableEvents(ctx.principal, String(runId), after ?? undefined, ctx.signal),
      resolve: (event) => event,
    }),
  }),
});
