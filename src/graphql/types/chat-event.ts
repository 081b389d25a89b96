import { type ChatEvent, TOOL_PHASES } from '../../contract/chat.ts';
import { builder } from '../builder.ts';
import { ChatResultRef } from './chat-result.ts';

type EventOf<T extends ChatEvent['type']> = Extract<ChatEvent, { type: T }>;

export const ChatStartedRef = builder.objectRef<EventOf<'started'>>('ChatStarted').implement({
  fields: (t) => ({
    runId: t.exposeID('runId'),
    eventId: t.exposeString('eventId'),
    conversationId: t.id({ nullable: true, resolve: (e) => e.conversationId ?? null }),
  }),
});

export const ChatDeltaRef = builder.objectRef<EventOf<'delta'>>('ChatDelta').implement({
  fields: (t) => ({ runId: t.exposeID('runId'), eventId: t.exposeString('eventId'), text: t.exposeString('text') }),
});

export const ChatCompletedRef = builder.objectRef<EventOf<'completed'>>('ChatCompleted').implement({
  fields: (t) => ({
    runId: t.exposeID('runId'),
    eventId: t.exposeString('eventId'),
    result: t.field({ type: ChatResultRef, resolve: (e) => e.result }),
    conversationId: t.id({ nullable: true, resolve: (e) => e.result.conversationId ?? null }),
  }),
});

export const ChatFailedRef = builder.objectRef<EventOf<'failed'>>('ChatFailed').implement({
  description: "The run failed after it started; `code` is one of the error model's codes.",
  fields: (t) => ({
    runId: t.exposeID('runId'),
    eventId: t.exposeString('eventId'),
    code: t.exposeString('code'),
    message: t.exposeString('message'),
    retracted: t.boolean({
      description:
        'Content moderation withdrew the answer (code CONTENT_REJECTED, or UPSTREAM_UNAVAILABLE when it could not be checked): remove whatever the app showed of it.',
      resolve: (e) => e.retracted === true,
    }),
  }),
});

const ToolCallPhaseEnum = builder.enumType('ToolCallPhase', { values: TOOL_PHASES });

export const ChatToolCallRef = builder.objectRef<EventOf<'tool'>>('ChatToolCall').implement({
  description:
    'The agent started or finished a tool (ws transport), e.g. to show "正在使用工具：…". Carries no tool arguments or results.',
  fields: (t) => ({
    runId: t.exposeID('runId'),
    eventId: t.exposeString('eventId'),
    name: t.exposeString('name'),
    phase: t.field({ type: ToolCallPhaseEnum, resolve: (e) => e.phase }),
    title: t.exposeString('title', { nullable: true }),
    status: t.exposeString('status', { nullable: true }),
  }),
});

const REFS = {
  started: ChatStartedRef,
  delta: ChatDeltaRef,
  completed: ChatCompletedRef,
  failed: ChatFailedRef,
  tool: ChatToolCallRef,
};

export const ChatEventRef = builder.unionType('ChatEvent', {
  types: [ChatStartedRef, ChatDeltaRef, ChatCompletedRef, ChatFailedRef, ChatToolCallRef],
  resolveType: (event) => REFS[(event as ChatEvent).type],
});
