/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type * as Types from './schema.ts';

const TypedDocumentString = String as unknown as new (document: string, meta?: Record<string, unknown>) => string;
export type AuthSessionFieldsFragment = { __typename: 'AuthSession', accessToken: string, expiresIn: number, refreshToken: string, user: { __typename: 'User', id: string, status: Types.UserStatus, approvalCode: string | null } };

export type SignInWithWechatMutationVariables = Exact<{
  code: string;
}>;


export type SignInWithWechatMutation = { __typename: 'Mutation', signInWithWechat: { __typename: 'AuthSession', accessToken: string, expiresIn: number, refreshToken: string, user: { __typename: 'User', id: string, status: Types.UserStatus, approvalCode: string | null } } };

export type RefreshSessionMutationVariables = Exact<{
  refreshToken: string;
}>;


export type RefreshSessionMutation = { __typename: 'Mutation', refreshSession: { __typename: 'AuthSession', accessToken: string, expiresIn: number, refreshToken: string, user: { __typename: 'User', id: string, status: Types.UserStatus, approvalCode: string | null } } };

export type SignOutMutationVariables = Exact<{ [key: string]: never; }>;


export type SignOutMutation = { __typename: 'Mutation', signOut: boolean };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { __typename: 'Query', me: { __typename: 'User', id: string, status: Types.UserStatus, approvalCode: string | null } };

export type SendChatMutationVariables = Exact<{
  input: Types.SendChatInput;
}>;


export type SendChatMutation = { __typename: 'Mutation', sendChat: { __typename: 'ChatResult', runId: string, conversationId: string | null, model: string, finishReason: string | null, aiGenerated: boolean, label: string | null, message: { __typename: 'ChatMessage', role: Types.ChatRole, content: string }, usage: { __typename: 'Usage', inputTokens: number, outputTokens: number, totalTokens: number } | null, attachments: Array<
      | { __typename: 'FileAttachment', url: string, name: string | null, mimeType: string | null, size: number | null }
      | { __typename: 'ImageAttachment', url: string, alt: string | null, mimeType: string | null, size: number | null }
    > } };

export type CancelChatMutationVariables = Exact<{
  runId: string;
}>;


export type CancelChatMutation = { __typename: 'Mutation', cancelChat: boolean };

export type ChatStreamSubscriptionVariables = Exact<{
  input: Types.SendChatInput;
}>;


export type ChatStreamSubscription = { __typename: 'Subscription', chatStream:
    | { __typename: 'ChatCompleted', runId: string, eventId: string, result: { __typename: 'ChatResult', runId: string, conversationId: string | null, model: string, finishReason: string | null, aiGenerated: boolean, label: string | null, message: { __typename: 'ChatMessage', role: Types.ChatRole, content: string }, usage: { __typename: 'Usage', inputTokens: number, outputTokens: number, totalTokens: number } | null, attachments: Array<
          | { __typename: 'FileAttachment', url: string, name: string | null, mimeType: string | null, size: number | null }
          | { __typename: 'ImageAttachment', url: string, alt: string | null, mimeType: string | null, size: number | null }
        > } }
    | { __typename: 'ChatDelta', runId: string, eventId: string, text: string }
    | { __typename: 'ChatFailed', runId: string, eventId: string, code: string, message: string, retracted: boolean }
    | { __typename: 'ChatStarted', runId: string, eventId: string, conversationId: string | null }
    | { __typename: 'ChatToolCall', runId: string, eventId: string, name: string, phase: Types.ToolCallPhase, title: string | null, status: string | null }
   };

export type ChatEventsSubscriptionVariables = Exact<{
  runId: string;
  after?: string | null | undefined;
}>;


export type ChatEventsSubscription = { __typename: 'Subscription', chatEvents:
    | { __typename: 'ChatCompleted', runId: string, eventId: string, result: { __typename: 'ChatResult', runId: string, conversationId: string | null, model: string, finishReason: string | null, aiGenerated: boolean, label: string | null, message: { __typename: 'ChatMessage', role: Types.ChatRole, content: string }, usage: { __typename: 'Usage', inputTokens: number, outputTokens: number, totalTokens: number } | null, attachments: Array<
          | { __typename: 'FileAttachment', url: string, name: string | null, mimeType: string | null, size: number | null }
          | { __typename: 'ImageAttachment', url: string, alt: string | null, mimeType: string | null, size: number | null }
        > } }
    | { __typename: 'ChatDelta', runId: string, eventId: string, text: string }
    | { __typename: 'ChatFailed', runId: string, eventId: string, code: string, message: string, retracted: boolean }
    | { __typename: 'ChatStarted', runId: string, eventId: string, conversationId: string | null }
    | { __typename: 'ChatToolCall', runId: string, eventId: string, name: string, phase: Types.ToolCallPhase, title: string | null, status: string | null }
   };

export type ConversationFieldsFragment = { __typename: 'Conversation', id: string, title: string, createdAt: string, updatedAt: string };

export type MessageFieldsFragment = { __typename: 'Message', id: string, role: Types.ChatRole, content: string, status: Types.MessageStatus | null, runId: string | null, finishReason: string | null, errorCode: string | null, aiGenerated: boolean, label: string | null, createdAt: string, usage: { __typename: 'Usage', inputTokens: number, outputTokens: number, totalTokens: number } | null, attachments: Array<
    | { __typename: 'FileAttachment', url: string, name: string | null, mimeType: string | null, size: number | null }
    | { __typename: 'ImageAttachment', url: string, alt: string | null, mimeType: string | null, size: number | null }
  > };

export type PageInfoFieldsFragment = { __typename: 'PageInfo', hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null };

export type ConversationsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ConversationsQuery = { __typename: 'Query', conversations: { __typename: 'ConversationConnection', edges: Array<{ __typename: 'ConversationEdge', cursor: string, node: { __typename: 'Conversation', id: string, title: string, createdAt: string, updatedAt: string } }>, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } };

export type ConversationQueryVariables = Exact<{
  id: string;
  last?: number | null | undefined;
  before?: string | null | undefined;
}>;


export type ConversationQuery = { __typename: 'Query', conversation: { __typename: 'Conversation', id: string, title: string, createdAt: string, updatedAt: string, messages: { __typename: 'MessageConnection', edges: Array<{ __typename: 'MessageEdge', cursor: string, node: { __typename: 'Message', id: string, role: Types.ChatRole, content: string, status: Types.MessageStatus | null, runId: string | null, finishReason: string | null, errorCode: string | null, aiGenerated: boolean, label: string | null, createdAt: string, usage: { __typename: 'Usage', inputTokens: number, outputTokens: number, totalTokens: number } | null, attachments: Array<
            | { __typename: 'FileAttachment', url: string, name: string | null, mimeType: string | null, size: number | null }
            | { __typename: 'ImageAttachment', url: string, alt: string | null, mimeType: string | null, size: number | null }
          > } }>, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } } | null };

export type RenameConversationMutationVariables = Exact<{
  id: string;
  title: string;
}>;


export type RenameConversationMutation = { __typename: 'Mutation', renameConversation: { __typename: 'Conversation', id: string, title: string, createdAt: string, updatedAt: string } };

export type ResetConversationMutationVariables = Exact<{
  id: string;
}>;


export type ResetConversationMutation = { __typename: 'Mutation', resetConversation: { __typename: 'Conversation', id: string, title: string, createdAt: string, updatedAt: string } };

export type DeleteConversationMutationVariables = Exact<{
  id: string;
}>;


export type DeleteConversationMutation = { __typename: 'Mutation', deleteConversation: boolean };

export type ChatResultFieldsFragment = { __typename: 'ChatResult', runId: string, conversationId: string | null, model: string, finishReason: string | null, aiGenerated: boolean, label: string | null, message: { __typename: 'ChatMessage', role: Types.ChatRole, content: string }, usage: { __typename: 'Usage', inputTokens: number, outputTokens: number, totalTokens: number } | null, attachments: Array<
    | { __typename: 'FileAttachment', url: string, name: string | null, mimeType: string | null, size: number | null }
    | { __typename: 'ImageAttachment', url: string, alt: string | null, mimeType: string | null, size: number | null }
  > };

type ChatEventFields_ChatCompleted_Fragment = { __typename: 'ChatCompleted', runId: string, eventId: string, result: { __typename: 'ChatResult', runId: string, conversationId: string | null, model: string, finishReason: string | null, aiGenerated: boolean, label: string | null, message: { __typename: 'ChatMessage', role: Types.ChatRole, content: string }, usage: { __typename: 'Usage', inputTokens: number, outputTokens: number, totalTokens: number } | null, attachments: Array<
      | { __typename: 'FileAttachment', url: string, name: string | null, mimeType: string | null, size: number | null }
      | { __typename: 'ImageAttachment', url: string, alt: string | null, mimeType: string | null, size: number | null }
    > } };

type ChatEventFields_ChatDelta_Fragment = { __typename: 'ChatDelta', runId: string, eventId: string, text: string };

type ChatEventFields_ChatFailed_Fragment = { __typename: 'ChatFailed', runId: string, eventId: string, code: string, message: string, retracted: boolean };

type ChatEventFields_ChatStarted_Fragment = { __typename: 'ChatStarted', runId: string, eventId: string, conversationId: string | null };

type ChatEventFields_ChatToolCall_Fragment = { __typename: 'ChatToolCall', runId: string, eventId: string, name: string, phase: Types.ToolCallPhase, title: string | null, status: string | null };

export type ChatEventFieldsFragment =
  | ChatEventFields_ChatCompleted_Fragment
  | ChatEventFields_ChatDelta_Fragment
  | ChatEventFields_ChatFailed_Fragment
  | ChatEventFields_ChatStarted_Fragment
  | ChatEventFields_ChatToolCall_Fragment
;

export type UsageFieldsFragment = { __typename: 'Usage', inputTokens: number, outputTokens: number, totalTokens: number };

type AttachmentFields_FileAttachment_Fragment = { __typename: 'FileAttachment', url: string, name: string | null, mimeType: string | null, size: number | null };

type AttachmentFields_ImageAttachment_Fragment = { __typename: 'ImageAttachment', url: string, alt: string | null, mimeType: string | null, size: number | null };

export type AttachmentFieldsFragment =
  | AttachmentFields_FileAttachment_Fragment
  | AttachmentFields_ImageAttachment_Fragment
;

export type LimitsQueryVariables = Exact<{ [key: string]: never; }>;


export type LimitsQuery = { __typename: 'Query', limits: { __typename: 'Limits', maxImageBytes: number, maxFileBytes: number, maxImages: number, maxFiles: number, imageMimeTypes: Array<string>, fileMimeTypes: Array<string> } };

export const AuthSessionFieldsFragmentDoc = new TypedDocumentString(`
    fragment AuthSessionFields on AuthSession {
  accessToken
  expiresIn
  refreshToken
  user {
    id
    status
    approvalCode
  }
}
    `, {"fragmentName":"AuthSessionFields"});
export const ConversationFieldsFragmentDoc = new TypedDocumentString(`
    fragment ConversationFields on Conversation {
  id
  title
  createdAt
  updatedAt
}
    `, {"fragmentName":"ConversationFields"});
export const UsageFieldsFragmentDoc = new TypedDocumentString(`
    fragment UsageFields on Usage {
  inputTokens
  outputTokens
  totalTokens
}
    `, {"fragmentName":"UsageFields"});
export const AttachmentFieldsFragmentDoc = new TypedDocumentString(`
    fragment AttachmentFields on Attachment {
  __typename
  ... on ImageAttachment {
    url
    alt
    mimeType
    size
  }
  ... on FileAttachment {
    url
    name
    mimeType
    size
  }
}
    `, {"fragmentName":"AttachmentFields"});
export const MessageFieldsFragmentDoc = new TypedDocumentString(`
    fragment MessageFields on Message {
  id
  role
  content
  status
  runId
  usage {
    ...UsageFields
  }
  finishReason
  errorCode
  aiGenerated
  label
  createdAt
  attachments {
    ...AttachmentFields
  }
}
    fragment UsageFields on Usage {
  inputTokens
  outputTokens
  totalTokens
}
fragment AttachmentFields on Attachment {
  __typename
  ... on ImageAttachment {
    url
    alt
    mimeType
    size
  }
  ... on FileAttachment {
    url
    name
    mimeType
    size
  }
}`, {"fragmentName":"MessageFields"});
export const PageInfoFieldsFragmentDoc = new TypedDocumentString(`
    fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}
    `, {"fragmentName":"PageInfoFields"});
export const ChatResultFieldsFragmentDoc = new TypedDocumentString(`
    fragment ChatResultFields on ChatResult {
  runId
  conversationId
  model
  message {
    role
    content
  }
  finishReason
  usage {
    ...UsageFields
  }
  attachments {
    ...AttachmentFields
  }
  aiGenerated
  label
}
    fragment UsageFields on Usage {
  inputTokens
  outputTokens
  totalTokens
}
fragment AttachmentFields on Attachment {
  __typename
  ... on ImageAttachment {
    url
    alt
    mimeType
    size
  }
  ... on FileAttachment {
    url
    name
    mimeType
    size
  }
}`, {"fragmentName":"ChatResultFields"});
export const ChatEventFieldsFragmentDoc = new TypedDocumentString(`
    fragment ChatEventFields on ChatEvent {
  __typename
  ... on ChatStarted {
    runId
    eventId
    conversationId
  }
  ... on ChatDelta {
    runId
    eventId
    text
  }
  ... on ChatCompleted {
    runId
    eventId
    result {
      ...ChatResultFields
    }
  }
  ... on ChatFailed {
    runId
    eventId
    code
    message
    retracted
  }
  ... on ChatToolCall {
    runId
    eventId
    name
    phase
    title
    status
  }
}
    fragment ChatResultFields on ChatResult {
  runId
  conversationId
  model
  message {
    role
    content
  }
  finishReason
  usage {
    ...UsageFields
  }
  attachments {
    ...AttachmentFields
  }
  aiGenerated
  label
}
fragment UsageFields on Usage {
  inputTokens
  outputTokens
  totalTokens
}
fragment AttachmentFields on Attachment {
  __typename
  ... on ImageAttachment {
    url
    alt
    mimeType
    size
  }
  ... on FileAttachment {
    url
    name
    mimeType
    size
  }
}`, {"fragmentName":"ChatEventFields"});
export const SignInWithWechatDocument = new TypedDocumentString(`
    mutation SignInWithWechat($code: String!) {
  signInWithWechat(code: $code) {
    ...AuthSessionFields
  }
}
    fragment AuthSessionFields on AuthSession {
  accessToken
  expiresIn
  refreshToken
  user {
    id
    status
    approvalCode
  }
}`);
export const RefreshSessionDocument = new TypedDocumentString(`
    mutation RefreshSession($refreshToken: String!) {
  refreshSession(refreshToken: $refreshToken) {
    ...AuthSessionFields
  }
}
    fragment AuthSessionFields on AuthSession {
  accessToken
  expiresIn
  refreshToken
  user {
    id
    status
    approvalCode
  }
}`);
export const SignOutDocument = new TypedDocumentString(`
    mutation SignOut {
  signOut
}
    `);
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
    status
    approvalCode
  }
}
    `);
export const SendChatDocument = new TypedDocumentString(`
    mutation SendChat($input: SendChatInput!) {
  sendChat(input: $input) {
    ...ChatResultFields
  }
}
    fragment ChatResultFields on ChatResult {
  runId
  conversationId
  model
  message {
    role
    content
  }
  finishReason
  usage {
    ...UsageFields
  }
  attachments {
    ...AttachmentFields
  }
  aiGenerated
  label
}
fragment UsageFields on Usage {
  inputTokens
  outputTokens
  totalTokens
}
fragment AttachmentFields on Attachment {
  __typename
  ... on ImageAttachment {
    url
    alt
    mimeType
    size
  }
  ... on FileAttachment {
    url
    name
    mimeType
    size
  }
}`);
export const CancelChatDocument = new TypedDocumentString(`
    mutation CancelChat($runId: ID!) {
  cancelChat(runId: $runId)
}
    `);
export const ChatStreamDocument = new TypedDocumentString(`
    subscription ChatStream($input: SendChatInput!) {
  chatStream(input: $input) {
    ...ChatEventFields
  }
}
    fragment ChatResultFields on ChatResult {
  runId
  conversationId
  model
  message {
    role
    content
  }
  finishReason
  usage {
    ...UsageFields
  }
  attachments {
    ...AttachmentFields
  }
  aiGenerated
  label
}
fragment ChatEventFields on ChatEvent {
  __typename
  ... on ChatStarted {
    runId
    eventId
    conversationId
  }
  ... on ChatDelta {
    runId
    eventId
    text
  }
  ... on ChatCompleted {
    runId
    eventId
    result {
      ...ChatResultFields
    }
  }
  ... on ChatFailed {
    runId
    eventId
    code
    message
    retracted
  }
  ... on ChatToolCall {
    runId
    eventId
    name
    phase
    title
    status
  }
}
fragment UsageFields on Usage {
  inputTokens
  outputTokens
  totalTokens
}
fragment AttachmentFields on Attachment {
  __typename
  ... on ImageAttachment {
    url
    alt
    mimeType
    size
  }
  ... on FileAttachment {
    url
    name
    mimeType
    size
  }
}`);
export const ChatEventsDocument = new TypedDocumentString(`
    subscription ChatEvents($runId: ID!, $after: String) {
  chatEvents(runId: $runId, after: $after) {
    ...ChatEventFields
  }
}
    fragment ChatResultFields on ChatResult {
  runId
  conversationId
  model
  message {
    role
    content
  }
  finishReason
  usage {
    ...UsageFields
  }
  attachments {
    ...AttachmentFields
  }
  aiGenerated
  label
}
fragment ChatEventFields on ChatEvent {
  __typename
  ... on ChatStarted {
    runId
    eventId
    conversationId
  }
  ... on ChatDelta {
    runId
    eventId
    text
  }
  ... on ChatCompleted {
    runId
    eventId
    result {
      ...ChatResultFields
    }
  }
  ... on ChatFailed {
    runId
    eventId
    code
    message
    retracted
  }
  ... on ChatToolCall {
    runId
    eventId
    name
    phase
    title
    status
  }
}
fragment UsageFields on Usage {
  inputTokens
  outputTokens
  totalTokens
}
fragment AttachmentFields on Attachment {
  __typename
  ... on ImageAttachment {
    url
    alt
    mimeType
    size
  }
  ... on FileAttachment {
    url
    name
    mimeType
    size
  }
}`);
export const ConversationsDocument = new TypedDocumentString(`
    query Conversations($first: Int, $after: String) {
  conversations(first: $first, after: $after) {
    edges {
      cursor
      node {
        ...ConversationFields
      }
    }
    pageInfo {
      ...PageInfoFields
    }
  }
}
    fragment ConversationFields on Conversation {
  id
  title
  createdAt
  updatedAt
}
fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}`);
export const ConversationDocument = new TypedDocumentString(`
    query Conversation($id: ID!, $last: Int, $before: String) {
  conversation(id: $id) {
    ...ConversationFields
    messages(last: $last, before: $before) {
      edges {
        cursor
        node {
          ...MessageFields
        }
      }
      pageInfo {
        ...PageInfoFields
      }
    }
  }
}
    fragment ConversationFields on Conversation {
  id
  title
  createdAt
  updatedAt
}
fragment MessageFields on Message {
  id
  role
  content
  status
  runId
  usage {
    ...UsageFields
  }
  finishReason
  errorCode
  aiGenerated
  label
  createdAt
  attachments {
    ...AttachmentFields
  }
}
fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}
fragment UsageFields on Usage {
  inputTokens
  outputTokens
  totalTokens
}
fragment AttachmentFields on Attachment {
  __typename
  ... on ImageAttachment {
    url
    alt
    mimeType
    size
  }
  ... on FileAttachment {
    url
    name
    mimeType
    size
  }
}`);
export const RenameConversationDocument = new TypedDocumentString(`
    mutation RenameConversation($id: ID!, $title: String!) {
  renameConversation(id: $id, title: $title) {
    ...ConversationFields
  }
}
    fragment ConversationFields on Conversation {
  id
  title
  createdAt
  updatedAt
}`);
export const ResetConversationDocument = new TypedDocumentString(`
    mutation ResetConversation($id: ID!) {
  resetConversation(id: $id) {
    ...ConversationFields
  }
}
    fragment ConversationFields on Conversation {
  id
  title
  createdAt
  updatedAt
}`);
export const DeleteConversationDocument = new TypedDocumentString(`
    mutation DeleteConversation($id: ID!) {
  deleteConversation(id: $id)
}
    `);
export const LimitsDocument = new TypedDocumentString(`
    query Limits {
  limits {
    maxImageBytes
    maxFileBytes
    maxImages
    maxFiles
    imageMimeTypes
    fileMimeTypes
  }
}
    `);
export type Requester<C = {}> = <R, V>(doc: string, vars?: V, options?: C) => Promise<R> | AsyncIterable<R>
export function getSdk<C>(requester: Requester<C>) {
  return {
    SignInWithWechat(variables: SignInWithWechatMutationVariables, options?: C): Promise<SignInWithWechatMutation> {
      return requester<SignInWithWechatMutation, SignInWithWechatMutationVariables>(SignInWithWechatDocument, variables, options) as Promise<SignInWithWechatMutation>;
    },
    RefreshSession(variables: RefreshSessionMutationVariables, options?: C): Promise<RefreshSessionMutation> {
      return requester<RefreshSessionMutation, RefreshSessionMutationVariables>(RefreshSessionDocument, variables, options) as Promise<RefreshSessionMutation>;
    },
    SignOut(variables?: SignOutMutationVariables, options?: C): Promise<SignOutMutation> {
      return requester<SignOutMutation, SignOutMutationVariables>(SignOutDocument, variables, options) as Promise<SignOutMutation>;
    },
    Me(variables?: MeQueryVariables, options?: C): Promise<MeQuery> {
      return requester<MeQuery, MeQueryVariables>(MeDocument, variables, options) as Promise<MeQuery>;
    },
    SendChat(variables: SendChatMutationVariables, options?: C): Promise<SendChatMutation> {
      return requester<SendChatMutation, SendChatMutationVariables>(SendChatDocument, variables, options) as Promise<SendChatMutation>;
    },
    CancelChat(variables: CancelChatMutationVariables, options?: C): Promise<CancelChatMutation> {
      return requester<CancelChatMutation, CancelChatMutationVariables>(CancelChatDocument, variables, options) as Promise<CancelChatMutation>;
    },
    ChatStream(variables: ChatStreamSubscriptionVariables, options?: C): AsyncIterable<ChatStreamSubscription> {
      return requester<ChatStreamSubscription, ChatStreamSubscriptionVariables>(ChatStreamDocument, variables, options) as AsyncIterable<ChatStreamSubscription>;
    },
    ChatEvents(variables: ChatEventsSubscriptionVariables, options?: C): AsyncIterable<ChatEventsSubscription> {
      return requester<ChatEventsSubscription, ChatEventsSubscriptionVariables>(ChatEventsDocument, variables, options) as AsyncIterable<ChatEventsSubscription>;
    },
    Conversations(variables?: ConversationsQueryVariables, options?: C): Promise<ConversationsQuery> {
      return requester<ConversationsQuery, ConversationsQueryVariables>(ConversationsDocument, variables, options) as Promise<ConversationsQuery>;
    },
    Conversation(variables: ConversationQueryVariables, options?: C): Promise<ConversationQuery> {
      return requester<ConversationQuery, ConversationQueryVariables>(ConversationDocument, variables, options) as Promise<ConversationQuery>;
    },
    RenameConversation(variables: RenameConversationMutationVariables, options?: C): Promise<RenameConversationMutation> {
      return requester<RenameConversationMutation, RenameConversationMutationVariables>(RenameConversationDocument, variables, options) as Promise<RenameConversationMutation>;
    },
    ResetConversation(variables: ResetConversationMutationVariables, options?: C): Promise<ResetConversationMutation> {
      return requester<ResetConversationMutation, ResetConversationMutationVariables>(ResetConversationDocument, variables, options) as Promise<ResetConversationMutation>;
    },
    DeleteConversation(variables: DeleteConversationMutationVariables, options?: C): Promise<DeleteConversationMutation> {
      return requester<DeleteConversationMutation, DeleteConversationMutationVariables>(DeleteConversationDocument, variables, options) as Promise<DeleteConversationMutation>;
    },
    Limits(variables?: LimitsQueryVariables, options?: C): Promise<LimitsQuery> {
      return requester<LimitsQuery, LimitsQueryVariables>(LimitsDocument, variables, options) as Promise<LimitsQuery>;
    }
  };
}
export type Sdk = ReturnType<typeof getSdk>;