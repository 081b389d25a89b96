import type { ChatClient, Limits, SendChatInput } from '@openclaw-minipro/sdk';

/** An image or file the user picked, shown in the composer until the turn is sent. */
export interface PendingAttachment {
  key: string;
  kind: 'image' | 'file';
  path: string;
  name: string;
  size: number;
}

/** One image from the album or camera (compressed: WeChat's originals are often over the server's limit). */
export function pickImage(nextKey: () => string, done: (picked: PendingAttachment[]) => void): void {
  wx.chooseMedia({
    count: 1,
    mediaType: ['image'],
    sizeType: ['compressed'],
    success: (result) =>
      done(
        result.tempFiles.map((file) => ({
          key: nextKey(),
          kind: 'image' as const,
          path: file.tempFilePath,
          name: '',
          size: file.size,
        })),
      ),
  });
}

/** One file from a chat (WeChat's only file picker). */
export function pickFile(nextKey: () => string, done: (picked: PendingAttachment[]) => void): void {
  wx.chooseMessageFile({
    count: 1,
    type: 'file',
    success: (result) =>
      done(
        result.tempFiles.map((file) => ({
          key: nextKey(),
          kind: 'file' as const,
          path: file.path,
          name: file.name,
          size: file.size,
        })),
      ),
  });
}

/** Reads the picked files as attachments (base64 + MIME type), refusing early what the server's limits would. */
export function readAttachments(
  client: ChatClient,
  pending: PendingAttachment[],
  limits: Limits | null,
): Promise<NonNullable<SendChatInput['attachments']>> {
  return Promise.all(
    pending.map((item) =>
      item.kind === 'image'
        ? client.readImage(
            { tempFilePath: item.path, size: item.size },
            { maxBytes: limits ? limits.maxImageBytes : undefined },
          )
        : client.readFile(
            { path: item.path, name: item.name, size: item.size },
            { maxBytes: limits ? limits.maxFileBytes : undefined },
          ),
    ),
  );
}
