import {
  ChatEventsDocument,
  type ConversationFieldsFragment,
  type getSdk,
  type LimitsQuery,
  type MessageFieldsFragment,
  type PageInfoFieldsFragment,
} from '../generated/graphql.ts';
import { type ChatStream, openChatStream } from './chat-stream.ts';
import type { TransportContext } from './context.ts';
import {
  type FileAttachmentInput,
  type ImageAttachmentInput,
  type PickedFile,
  type PickedImage,
  type ReadPickedOptions,
  readPickedFile,
  readPickedImage,
  type WxFileSystemLike,
} from './files.ts';

export type Conversation = ConversationFieldsFragment;
export type StoredMessage = MessageFieldsFragment;
export type PageInfo = PageInfoFieldsFragment;
export type Limits = LimitsQuery['limits'];

export interface ConversationPage {
  conversations: Conversation[];
  pageInfo: PageInfo;
}

export interface ConversationWithMessages extends Conversation {
  /** Oldest first. */
  messages: StoredMessage[];
  pageInfo: PageInfo;
}

type GeneratedSdk = ReturnType<typeof getSdk<unknown>>;

/** The client's plain-value methods over the generated operations: conversations, limits, resume, picked files. */
export function createClientMethods(
  sdk: GeneratedSdk,
  context: TransportContext,
  fileSystem: Partial<WxFileSystemLike>,
  cancelRun: (runId: string) => Promise<boolean>,
) {
  const files = (): WxFileSystemLike => {
    if (typeof fileSystem.getFileSystemManager !== 'function') {
      throw new Error('This `wx` has no getFileSystemManager.');
    }
    return fileSystem as WxFileSystemLike;
  };

  return {
    /** One page of the caller's conversations, most recently updated first; pass `pageInfo.endCursor` as `after`. */
    async listConversations(page: { first?: number; after?: string } = {}): Promise<ConversationPage> {
      const data = await sdk.Conversations({ first: page.first, after: page.after });
      return {
        conversations: data.conversations.edges.map((edge) => edge.node),
        pageInfo: data.conversations.pageInfo,
      };
    },

    /**
     * A conversation with its latest `last` messages (oldest first), or `null` when it does not exist or is not the
     * caller's; pass `pageInfo.startCursor` as `before` for older ones.
     */
    async getConversation(
      id: string,
      page: { last?: number; before?: string } = {},
    ): Promise<ConversationWithMessages | null> {
      const conversation = (await sdk.Conversation({ id, last: page.last, before: page.before })).conversation;
      if (!conversation) return null;
      return {
        __typename: conversation.__typename,
        id: conversation.id,
        title: conversation.title,
        createdAt: conversation.createdAt,
        updatedAt: conversation.updatedAt,
        messages: conversation.messages.edges.map((edge) => edge.node),
        pageInfo: conversation.messages.pageInfo,
      };
    },

    /** Renames a conversation; resolves to it as stored. */
    async renameConversation(id: string, title: string): Promise<Conversation> {
      return (await sdk.RenameConversation({ id, title })).renameConversation;
    },

    /** Starts a fresh agent session for the next turn: the stored messages stay, the agent no longer sees them. */
    async resetConversation(id: string): Promise<Conversation> {
      return (await sdk.ResetConversation({ id })).resetConversation;
    },

    /** Deletes a conversation and its messages; resolves to whether it existed. */
    async deleteConversation(id: string): Promise<boolean> {
      return (await sdk.DeleteConversation({ id })).deleteConversation;
    },

    /** The server's attachment limits: sizes, counts and accepted MIME types. */
    async limits(): Promise<Limits> {
      return (await sdk.Limits()).limits;
    },

    /** Cancels a running chat by id (the one `ChatStarted` carried); resolves to whether the server confirmed it. */
    cancelChat(runId: string): Promise<boolean> {
      return cancelRun(runId);
    },

    /**
     * Re-attaches to a run, delivering only events after `afterEventId` (the last one received): what a page does
     * when the app returns from the background or a stream failed with NETWORK_ERROR/TIMEOUT.
     */
    resumeStream(runId: string, afterEventId?: string): ChatStream {
      const variables = afterEventId === undefined ? { runId } : { runId, after: afterEventId };
      return openChatStream(
        context,
        { query: String(ChatEventsDocument), variables, operationName: 'ChatEvents' },
        cancelRun,
      );
    },

    /** Reads an image picked with `wx.chooseMedia` as an attachment (`{ image: { data, mimeType } }`). */
    readImage(picked: PickedImage, options?: ReadPickedOptions): Promise<ImageAttachmentInput> {
      return readPickedImage(files(), picked, options);
    },

    /** Reads a file picked with `wx.chooseMessageFile` as an attachment (`{ file: { name, data, mimeType } }`). */
    readFile(picked: PickedFile, options?: ReadPickedOptions): Promise<FileAttachmentInput> {
      return readPickedFile(files(), picked, options);
    },
  };
}
