export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
};

export type Attachment = FileAttachment | ImageAttachment;

/** Exactly one of `image` or `file`. */
export type AttachmentInput =
  { file: FileAttachmentInput; image?: never; }
  |  { file?: never; image: ImageAttachmentInput; };

/** Send accessToken as `Authorization: Bearer`; before it expires (or on TOKEN_EXPIRED) call refreshSession. */
export type AuthSession = {
  __typename: 'AuthSession';
  accessToken: Scalars['String']['output'];
  /** Seconds until accessToken expires. */
  expiresIn: Scalars['Int']['output'];
  /** Single use: each refresh returns a new one; presenting a used one ends the session everywhere. */
  refreshToken: Scalars['String']['output'];
  user: User;
};

export type ChatCompleted = {
  __typename: 'ChatCompleted';
  conversationId: Maybe<Scalars['ID']['output']>;
  eventId: Scalars['String']['output'];
  result: ChatResult;
  runId: Scalars['ID']['output'];
};

export type ChatDelta = {
  __typename: 'ChatDelta';
  eventId: Scalars['String']['output'];
  runId: Scalars['ID']['output'];
  text: Scalars['String']['output'];
};

export type ChatEvent = ChatCompleted | ChatDelta | ChatFailed | ChatStarted | ChatToolCall;

/** The run failed after it started; `code` is one of the error model's codes. */
export type ChatFailed = {
  __typename: 'ChatFailed';
  code: Scalars['String']['output'];
  eventId: Scalars['String']['output'];
  message: Scalars['String']['output'];
  /** Content moderation withdrew the answer (code CONTENT_REJECTED, or UPSTREAM_UNAVAILABLE when it could not be checked): remove whatever the app showed of it. */
  retracted: Scalars['Boolean']['output'];
  runId: Scalars['ID']['output'];
};

export type ChatMessage = {
  __typename: 'ChatMessage';
  content: Scalars['String']['output'];
  role: ChatRole;
};

export type ChatMessageInput = {
  content: Scalars['String']['input'];
  role: ChatRole;
};

export type ChatResult = {
  __typename: 'ChatResult';
  /** True: the answer is AI-generated content, which WeChat requires the app to label as such. */
  aiGenerated: Scalars['Boolean']['output'];
  attachments: Array<Attachment>;
  conversationId: Maybe<Scalars['ID']['output']>;
  finishReason: Maybe<Scalars['String']['output']>;
  /** The label to show under the answer, e.g. "内容由AI生成" (AI_LABEL_TEXT). */
  label: Maybe<Scalars['String']['output']>;
  message: ChatMessage;
  model: Scalars['String']['output'];
  runId: Scalars['ID']['output'];
  usage: Maybe<Usage>;
};

export type ChatRole =
  | 'assistant'
  | 'system'
  | 'user';

export type ChatStarted = {
  __typename: 'ChatStarted';
  conversationId: Maybe<Scalars['ID']['output']>;
  eventId: Scalars['String']['output'];
  runId: Scalars['ID']['output'];
};

/** The agent started or finished a tool (ws transport), e.g. to show "正在使用工具：…". Carries no tool arguments or results. */
export type ChatToolCall = {
  __typename: 'ChatToolCall';
  eventId: Scalars['String']['output'];
  name: Scalars['String']['output'];
  phase: ToolCallPhase;
  runId: Scalars['ID']['output'];
  status: Maybe<Scalars['String']['output']>;
  title: Maybe<Scalars['String']['output']>;
};

export type Conversation = {
  __typename: 'Conversation';
  createdAt: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  /** Pages backwards from the newest message (`last`, `before`); each page runs oldest to newest. */
  messages: MessageConnection;
  title: Scalars['String']['output'];
  /** Last activity. */
  updatedAt: Scalars['String']['output'];
};


export type ConversationMessagesArgs = {
  before: InputMaybe<Scalars['String']['input']>;
  last: InputMaybe<Scalars['Int']['input']>;
};

export type ConversationConnection = {
  __typename: 'ConversationConnection';
  edges: Array<ConversationEdge>;
  pageInfo: PageInfo;
};

export type ConversationEdge = {
  __typename: 'ConversationEdge';
  cursor: Scalars['String']['output'];
  node: Conversation;
};

/** A file: one the user sent or the agent generated (our signed URL, valid for minutes; read the message again for a fresh one), or one the assistant's answer links to. */
export type FileAttachment = {
  __typename: 'FileAttachment';
  mimeType: Maybe<Scalars['String']['output']>;
  name: Maybe<Scalars['String']['output']>;
  /** Bytes. */
  size: Maybe<Scalars['Int']['output']>;
  url: Scalars['String']['output'];
};

export type FileAttachmentInput = {
  /** The file bytes, base64. Device paths (wxfile://) cannot be read by the server. */
  data: Scalars['String']['input'];
  /** Inferred from the name's extension when omitted. */
  mimeType?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
};

/** An image: one the user sent or the agent generated (our signed URL, valid for minutes; read the message again for a fresh one), or one the assistant's answer links to. */
export type ImageAttachment = {
  __typename: 'ImageAttachment';
  /** The file name, when known. */
  alt: Maybe<Scalars['String']['output']>;
  mimeType: Maybe<Scalars['String']['output']>;
  /** Bytes. */
  size: Maybe<Scalars['Int']['output']>;
  url: Scalars['String']['output'];
};

export type ImageAttachmentInput = {
  /** The image bytes, base64 (a data: URL is accepted too). */
  data: Scalars['String']['input'];
  /** image/jpeg, image/png, image/gif, image/webp, image/heic or image/heif; may be omitted when data is a data: URL. */
  mimeType?: InputMaybe<Scalars['String']['input']>;
};

/** What a client should check before uploading. */
export type Limits = {
  __typename: 'Limits';
  fileMimeTypes: Array<Scalars['String']['output']>;
  imageMimeTypes: Array<Scalars['String']['output']>;
  /** Decoded bytes per file. */
  maxFileBytes: Scalars['Int']['output'];
  maxFiles: Scalars['Int']['output'];
  /** Decoded bytes per image. */
  maxImageBytes: Scalars['Int']['output'];
  maxImages: Scalars['Int']['output'];
};

/** One turn of a stored conversation. Assistant messages carry their run's outcome. */
export type Message = {
  __typename: 'Message';
  /** True for assistant messages: AI-generated content the app must label. */
  aiGenerated: Scalars['Boolean']['output'];
  /** The user's uploads (signed URLs minted on each read, valid for minutes) and produced media. */
  attachments: Array<Attachment>;
  /** The partial text when the answer did not complete; empty for an answer moderation withdrew (status `hidden`). */
  content: Scalars['String']['output'];
  /** ISO-8601 with milliseconds. */
  createdAt: Scalars['String']['output'];
  errorCode: Maybe<Scalars['String']['output']>;
  finishReason: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** The label to show under an assistant message (AI_LABEL_TEXT); null for other roles. */
  label: Maybe<Scalars['String']['output']>;
  role: ChatRole;
  runId: Maybe<Scalars['ID']['output']>;
  status: Maybe<MessageStatus>;
  usage: Maybe<Usage>;
};

export type MessageConnection = {
  __typename: 'MessageConnection';
  edges: Array<MessageEdge>;
  pageInfo: PageInfo;
};

export type MessageEdge = {
  __typename: 'MessageEdge';
  cursor: Scalars['String']['output'];
  node: Message;
};

export type MessageStatus =
  | 'cancelled'
  | 'completed'
  | 'failed'
  | 'hidden'
  | 'interrupted'
  | 'rejected'
  | 'running';

export type Mutation = {
  __typename: 'Mutation';
  /** Stops a running run and aborts its upstream request; false when it had already ended. */
  cancelChat: Scalars['Boolean']['output'];
  /** Deletes its messages and the attachments only it holds. NOT_FOUND when missing or not the caller’s. */
  deleteConversation: Scalars['Boolean']['output'];
  /** A new access token and refresh token for a refresh token (which stops working). Needs no credentials. */
  refreshSession: AuthSession;
  /** NOT_FOUND when it does not exist or is not the caller’s. */
  renameConversation: Conversation;
  /** Starts a fresh agent session for the next turn: the stored messages stay, the agent no longer sees them. NOT_FOUND when missing or not the caller’s. */
  resetConversation: Conversation;
  /** One turn, answered when complete. Prefer the chatStream subscription on phones (60 s request cap). */
  sendChat: ChatResult;
  /** Exchanges a wx.login() code for a session. Needs no credentials. */
  signInWithWechat: AuthSession;
  /** Ends the caller's session: its refresh token and access tokens stop working. */
  signOut: Scalars['Boolean']['output'];
};


export type MutationCancelChatArgs = {
  runId: Scalars['ID']['input'];
};


export type MutationDeleteConversationArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRefreshSessionArgs = {
  refreshToken: Scalars['String']['input'];
};


export type MutationRenameConversationArgs = {
  id: Scalars['ID']['input'];
  title: Scalars['String']['input'];
};


export type MutationResetConversationArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSendChatArgs = {
  input: SendChatInput;
};


export type MutationSignInWithWechatArgs = {
  code: Scalars['String']['input'];
};

export type PageInfo = {
  __typename: 'PageInfo';
  endCursor: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
  hasPreviousPage: Scalars['Boolean']['output'];
  startCursor: Maybe<Scalars['String']['output']>;
};

export type Query = {
  __typename: 'Query';
  /** Null when it does not exist or is not the caller's. */
  conversation: Maybe<Conversation>;
  /** The caller's conversations, newest activity first. */
  conversations: ConversationConnection;
  limits: Limits;
  /** The caller: its status tells a mini-program to show 'waiting for approval' instead of retrying. */
  me: User;
};


export type QueryConversationArgs = {
  id: Scalars['ID']['input'];
};


export type QueryConversationsArgs = {
  after: InputMaybe<Scalars['String']['input']>;
  first: InputMaybe<Scalars['Int']['input']>;
};

export type SendChatInput = {
  agentId?: InputMaybe<Scalars['String']['input']>;
  /** Attached to the last user message. */
  attachments?: InputMaybe<Array<AttachmentInput>>;
  /** Continue this stored conversation: send only the new user turn (plus optional system text). Absent: a new conversation is created. */
  conversationId?: InputMaybe<Scalars['ID']['input']>;
  messages: Array<ChatMessageInput>;
  /** "openclaw" (default) or "openclaw/<agentId>". */
  model?: InputMaybe<Scalars['String']['input']>;
  thinking?: InputMaybe<ThinkingLevel>;
  /** A stable conversation id; the server keeps history for it and only the new turn is sent. */
  user?: InputMaybe<Scalars['String']['input']>;
};

export type Subscription = {
  __typename: 'Subscription';
  /** Re-attaches to a running or finished run, replaying the events after `after` (all when omitted). After a restart a finished run replays from the store: ChatStarted, then its ChatCompleted or ChatFailed. */
  chatEvents: ChatEvent;
  /** Starts a run and streams it: ChatStarted, ChatDelta*, then ChatCompleted or ChatFailed. */
  chatStream: ChatEvent;
};


export type SubscriptionChatEventsArgs = {
  after: InputMaybe<Scalars['String']['input']>;
  runId: Scalars['ID']['input'];
};


export type SubscriptionChatStreamArgs = {
  input: SendChatInput;
};

/** How hard the agent thinks before answering (ws transport; a model that cannot is INVALID_INPUT). */
export type ThinkingLevel =
  | 'high'
  | 'low'
  | 'medium'
  | 'minimal'
  | 'off';

export type ToolCallPhase =
  | 'finished'
  | 'started';

export type Usage = {
  __typename: 'Usage';
  inputTokens: Scalars['Int']['output'];
  outputTokens: Scalars['Int']['output'];
  totalTokens: Scalars['Int']['output'];
};

/** The signed-in user (an API key reads as an active user named after the key). */
export type User = {
  __typename: 'User';
  /** While pending: the short code to show the operator, who approves it with `npm run admin`. */
  approvalCode: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  status: UserStatus;
};

/** active: may chat; pending: waits for the operator (show approvalCode); blocked: refused everywhere. */
export type UserStatus =
  | 'active'
  | 'blocked'
  | 'pending';
