import type { ChatResult, OutputAttachment, Usage } from '../../contract/chat.ts';
import { builder } from '../builder.ts';
import { ChatRoleEnum } from './chat-role.ts';

export const UsageRef = builder.objectRef<Usage>('Usage').implement({
  fields: (t) => ({
    inputTokens: t.exposeInt('inputTokens'),
    outputTokens: t.exposeInt('outputTokens'),
    totalTokens: t.exposeInt('totalTokens'),
  }),
});

export const ChatMessageRef = builder.objectRef<ChatResult['message']>('ChatMessage').implement({
  fields: (t) => ({
    role: t.field({ type: ChatRoleEnum, resolve: (m) => m.role }),
    content: t.exposeString('content'),
  }),
});

export const ImageAttachmentRef = builder.objectRef<OutputAttachment>('ImageAttachment').implement({
  description:
    "An image: one the user sent or the agent generated (our signed URL, valid for minutes; read the message again for a fresh one), or one the assistant's answer links to.",
  fields: (t) => ({
    url: t.exposeString('url'),
    alt: t.string({ nullable: true, description: 'The file name, when known.', resolve: (a) => a.name ?? null }),
    mimeType: t.string({ nullable: true, resolve: (a) => a.mimeType ?? null }),
    size: t.int({ nullable: true, description: 'Bytes.', resolve: (a) => a.size ?? null }),
  }),
});

export const FileAttachmentRef = builder.objectRef<OutputAttachment>('FileAttachment').implement({
  description:
    "A file: one the user sent or the agent generated (our signed URL, valid for minutes; read the message again for a fresh one), or one the assistant's answer links to.",
  fields: (t) => ({
    url: t.exposeString('url'),
    name: t.string({ nullable: true, resolve: (a) => a.name ?? null }),
    mimeType: t.string({ nullable: true, resolve: (a) => a.mimeType ?? null }),
    size: t.int({ nullable: true, description: 'Bytes.', resolve: (a) => a.size ?? null }),
  }),
});

export const AttachmentRef = builder.unionType('Attachment', {
  types: [ImageAttachmentRef, FileAttachmentRef],
  resolveType: (attachment) => (attachment.type === 'image' ? ImageAttachmentRef : FileAttachmentRef),
});

export const ChatResultRef = builder.objectRef<ChatResult>('ChatResult').implement({
  fields: (t) => ({
    runId: t.exposeID('runId'),
    model: t.exposeString('model'),
    message: t.field({ type: ChatMessageRef, resolve: (r) => r.message }),
    finishReason: t.string({ nullable: true, resolve: (r) => r.finishReason }),
    usage: t.field({ type: UsageRef, nullable: true, resolve: (r) => r.usage }),
    attachments: t.field({ type: [AttachmentRef], resolve: (r) => r.attachments }),
    conversationId: t.id({ nullable: true, resolve: (r) => r.conversationId ?? null }),
    aiGenerated: t.exposeBoolean('aiGenerated', {
      description: 'True: the answer is AI-generated content, which WeChat requires the app to label as such.',
    }),
    label: t.exposeString('label', {
      nullable: true,
      description: 'The label to show under the answer, e.g. "内容由AI生成" (AI_LABEL_TEXT).',
    }),
  }),
});
