import { builder } from '../builder.ts';
import { ChatRoleEnum, ThinkingLevelEnum } from './chat-role.ts';

export const ChatMessageInputRef = builder.inputType('ChatMessageInput', {
  fields: (t) => ({
    role: t.field({ type: ChatRoleEnum, required: true }),
    content: t.string({ required: true }),
  }),
});

export const ImageAttachmentInputRef = builder.inputType('ImageAttachmentInput', {
  fields: (t) => ({
    data: t.string({ required: true, description: 'The image bytes, base64 (a data: URL is accepted too).' }),
    mimeType: t.string({
      description:
        'image/jpeg, image/png, image/gif, image/webp, image/heic or image/heif; may be omitted when data is a data: URL.',
    }),
  }),
});

export const FileAttachmentInputRef = builder.inputType('FileAttachmentInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    data: t.string({
      required: true,
      description: 'The file bytes, base64. Device paths (wxfile://) cannot be read by the server.',
    }),
    mimeType: t.string({ description: "Inferred from the name's extension when omitted." }),
  }),
});

export const AttachmentInputRef = builder.inputType('AttachmentInput', {
  isOneOf: true,
  description: 'Exactly one of `image` or `file`.',
  fields: (t) => ({
    image: t.field({ type: ImageAttachmentInputRef }),
    file: t.field({ type: FileAttachmentInputRef }),
  }),
});

export const SendChatInputRef = builder.inputType('SendChatInput', {
  fields: (t) => ({
    model: t.string({ description: '"openclaw" (default) or "openclaw/<agentId>".' }),
    messages: t.field({ type: [ChatMessageInputRef], required: true }),
    user: t.string({
      description: 'A stable conversation id; the server keeps history for it and only the new turn is sent.',
    }),
    conversationId: t.id({
      description:
        'Continue this stored conversation: send only the new user turn (plus optional system text). Absent: a new conversation is created.',
    }),
    attachments: t.field({ type: [AttachmentInputRef], description: 'Attached to the last user message.' }),
    agentId: t.string(),
    thinking: t.field({ type: ThinkingLevelEnum }),
  }),
});
