export * from '../generated/graphql.ts';
export type { GetTokenOptions, TokenSupplier } from './auth.ts';
export {
  type ChatClient,
  type ChatClientOptions,
  type ChatEvent,
  type ChatResult,
  type ChatStream,
  createChatClient,
  type SendChatInput,
} from './client.ts';
export type {
  Conversation,
  ConversationPage,
  ConversationWithMessages,
  Limits,
  PageInfo,
  StoredMessage,
} from './client-methods.ts';
export type { RequestOptions } from './context.ts';
export { isSdkError, SdkError, type SdkErrorCode, type SdkErrorDetails } from './errors.ts';
export {
  type FileAttachmentInput,
  type ImageAttachmentInput,
  type PickedFile,
  type PickedImage,
  type ReadPickedOptions,
  readFileAsBase64,
  readPickedFile,
  readPickedImage,
  type WxFileSystemLike,
} from './files.ts';
export { mimeTypeFromFileName } from './mime.ts';
export { isRetraction } from './moderation.ts';
export { limitConcurrentRequests } from './request-limit.ts';
export { type SseEvent, SseParser } from './sse.ts';
export type { Subscription } from './subscription.ts';
export { decodeUtf8, encodeUtf8, Utf8Decoder } from './utf8.ts';
export type { AuthSessionData, SessionUser } from './wechat-session.ts';
export type { WxLike, WxRequestOptions, WxRequestTask } from './wx-types.ts';
