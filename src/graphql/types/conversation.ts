import type { Connection, MessageView } from '../../chat/conversations.ts';
import type { ConversationRecord } from '../../store/records.ts';
import { MESSAGE_STATUSES } from '../../store/schema.ts';
import { builder } from '../builder.ts';
import { AttachmentRef, UsageRef } from './chat-result.ts';
import { ChatRoleEnum } from './chat-role.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export const MessageStatusEnum = builder.enumType('MessageStatus', { values: MESSAGE_STATUSES });

type PageInfo = Connection<unknown>['pageInfo'];
const PageInfoRef = builder.objectRef<PageInfo>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage'),
    startCursor: t.string({ nullable: true, resolve: (p) => p.startCursor }),
    endCursor: t.string({ nullable: true, resolve: (p) => p.endCursor }),
  }),
});

export const MessageRef = builder.objectRef<MessageView>('Message').implement({
  description: "One turn of a stored conversation. Assistant messages carry their run's outcome.",
  fields: (t) => ({
    id: t.exposeID('id'),
    role: t.field({ type: ChatRoleEnum, resolve: (m) => m.role }),
    content: t.exposeString('content', {
      description:
        'The partial text when the answer did not complete; empty for an answer moderation withdrew (status `hidden`).',
    }),
    status: t.field({ type: MessageStatusEnum, nullable: true, resolve: (m) => m.status }),
    runId: t.id({ nullable: true, resolve: (m) => m.runId }),
    usage: t.field({ type: UsageRef, nullable: true, resolve: (m) => m.usage }),
    finishReason: t.string({ nullable: true, resolve: (m) => m.finishReason }),
    errorCode: t.string({ nullable: true, resolve: (m) => m.errorCode }),
    aiGenerated: t.boolean({
      description: 'True for assistant messages: AI-generated content the app must label.',
      resolve: (m) => m.role === 'assistant',
    }),
    label: t.string({
      nullable: true,
      description: 'The label to show under an assistant message (AI_LABEL_TEXT); null for other roles.',
      resolve: (m, _args, ctx) => (m.role === 'assistant' ? ctx.service.aiLabel : null),
    }),
    attachments: t.field({
      type: [AttachmentRef],
      description: "The user's uploads (signed URLs minted on each read, valid for minutes) and produced media.",
      resolve: (m) => m.attachmentList,
    }),
    createdAt: t.string({ description: 'ISO-8601 with milliseconds.', resolve: (m) => iso(m.createdAt) }),
  }),
});

const MessageEdgeRef = builder.objectRef<Connection<MessageView>['edges'][number]>('MessageEdge').implement({
  fields: (t) => ({ cursor: t.exposeString('cursor'), node: t.field({ type: MessageRef, resolve: (e) => e.node }) }),
});

const MessageConnectionRef = builder.objectRef<Connection<MessageView>>('MessageConnection').implement({
  fields: (t) => ({
    edges: t.field({ type: [MessageEdgeRef], resolve: (c) => c.edges }),
    pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
  }),
});

export const ConversationRef = builder.objectRef<ConversationRecord>('Conversation').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    createdAt: t.string({ resolve: (c) => iso(c.createdAt) }),
    updatedAt: t.string({ description: 'Last activity.', resolve: (c) => iso(c.updatedAt) }),
    messages: t.field({
      type: MessageConnectionRef,
      description: 'Pages backwards from the newest message (`last`, `before`); each page runs oldest to newest.',
      args: { last: t.arg.int(), before: t.arg.string() },
      resolve: (c, { last, before }, ctx) => ctx.service.conversations.messages(ctx.principal, c.id, last, before),
    }),
  }),
});

const ConversationEdgeRef = builder
  .objectRef<Connection<ConversationRecord>['edges'][number]>('ConversationEdge')
  .implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      node: t.field({ type: ConversationRef, resolve: (e) => e.node }),
    }),
  });

const ConversationConnectionRef = builder
  .objectRef<Connection<ConversationRecord>>('ConversationConnection')
  .implement({
    fields: (t) => ({
      edges: t.field({ type: [ConversationEdgeRef], resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
    }),
  });

builder.queryFields((t) => ({
  conversations: t.field({
    type: ConversationConnectionRef,
    description: "The caller's conversations, newest activity first.",
    args: { first: t.arg.int(), after: t.arg.string() },
    resolve: (_root, { first, after }, ctx) => ctx.service.conversations.list(ctx.principal, first, after),
  }),
  conversation: t.field({
    type: ConversationRef,
    nullable: true,
    description: "Null when it does not exist or is not the caller's.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => (await ctx.service.conversations.get(ctx.principal, String(id))) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  renameConversation: t.field({
    type: ConversationRef,
    description: 'NOT_FOUND when it does not exist or is not the caller’s.',
    args: { id: t.arg.id({ required: true }), title: t.arg.string({ required: true }) },
    resolve: (_root, { id, title }, ctx) => ctx.service.conversations.rename(ctx.principal, String(id), title),
  }),
  resetConversation: t.field({
    type: ConversationRef,
    description:
      'Starts a fresh agent session for the next turn: the stored messages stay, the agent no longer sees them. NOT_FOUND when missing or not the caller’s.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.service.conversations.reset(ctx.principal, String(id)),
  }),
  deleteConversation: t.boolean({
    description: 'Deletes its messages and the attachments only it holds. NOT_FOUND when missing or not the caller’s.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.service.conversations.delete(ctx.principal, String(id)),
  }),
}));
