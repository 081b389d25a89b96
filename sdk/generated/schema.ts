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

export type ChatCompleted = {
  __typename: 'ChatCompleted';
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
  attachments: Array<Attachment>;
  finishReason: Maybe<Scalars['String']['output']>;
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

/** A file the assistant produced (a URL found in its answer). */
export type FileAttachment = {
  __typename: 'FileAttachment';
  name: Maybe<Scalars['String']['output']>;
  url: Scalars['String']['output'];
};

export type FileAttachmentInput = {
  /** The file bytes, base64. Device paths (wxfile://) cannot be read by the server. */
  data: Scalars['String']['input'];
  /** Inferred from the name's extension when omitted. */
  mimeType?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
};

/** An image the assistant produced (a URL found in its answer). */
export type ImageAttachment = {
  __typename: 'ImageAttachment';
  alt: Maybe<Scalars['String']['output']>;
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

export type Mutation = {
  __typename: 'Mutation';
  /** Stops a running run and aborts its upstream request; false when it had already ended. */
  cancelChat: Scalars['Boolean']['output'];
  /** One turn, answered when complete. Prefer the chatStream subscription on phones (60 s request cap). */
  sendChat: ChatResult;
};


export type MutationCancelChatArgs = {
  runId: Scalars['ID']['input'];
};


export type MutationSendChatArgs = {
  input: SendChatInput;
};

export type Query = {
  __typename: 'Query';
  limits: Limits;
};

export type SendChatInput = {
  agentId?: InputMaybe<Scalars['String']['input']>;
  /** Attached to the last user message. */
  attachments?: InputMaybe<Array<AttachmentInput>>;
  messages: Array<ChatMessageInput>;
  /** "openclaw" (default) or "openclaw/<agentId>". */
  model?: InputMaybe<Scalars['String']['input']>;
  thinking?: InputMaybe<ThinkingLevel>;
  /** A stable conversation id; the server keeps history for it and only the new turn is sent. */
  user?: InputMaybe<Scalars['String']['input']>;
};

export type Subscription = {
  __typename: 'Subscription';
  /** Re-attaches to a running or recently finished run, replaying the events after `after` (all when omitted). */
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
