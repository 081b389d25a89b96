import { SdkError } from './errors.ts';
import { mimeTypeFromFileName } from './mime.ts';

/** The part of `wx` the file helpers use. */
export interface WxFileSystemLike {
  getFileSystemManager(): {
    readFile(options: {
      filePath: string;
      encoding: 'base64';
      success(result: { data: string | ArrayBuffer }): void;
      fail(result: { errMsg: string }): void;
    }): void;
  };
}

/** A picked image: `wx.chooseMedia`'s `tempFiles[i]` (`size` lets the SDK refuse a large file before reading it). */
export interface PickedImage {
  tempFilePath: string;
  size?: number;
}

/** A picked file: `wx.chooseMessageFile`'s `tempFiles[i]` (it carries no MIME type; the name's extension gives it). */
export interface PickedFile {
  path: string;
  name: string;
  size?: number;
}

export interface ReadPickedOptions {
  /** Refuse (PAYLOAD_TOO_LARGE) anything larger, e.g. `limits.maxImageBytes`; checked before and after reading. */
  maxBytes?: number;
}

export interface ImageAttachmentInput {
  image: { data: string; mimeType: string };
}

export interface FileAttachmentInput {
  file: { name: string; data: string; mimeType: string };
}

function decodedBytes(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - padding;
}

function checkSize(bytes: number | undefined, maxBytes: number | undefined, what: string): void {
  if (bytes !== undefined && maxBytes !== undefined && bytes > maxBytes) {
    throw new SdkError('PAYLOAD_TOO_LARGE', `${what} is ${bytes} bytes; the limit is ${maxBytes}.`);
  }
}

/**
 * Reads a local file (a `chooseMedia` temp path, a `chooseMessageFile` path) as base64 with
 * `wx.getFileSystemManager().readFile`. Rejects with an SdkError `FILE_READ_FAILED`.
 */
export function readFileAsBase64(wx: WxFileSystemLike, filePath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.getFileSystemManager().readFile({
      filePath,
      encoding: 'base64',
      success: (result) => {
        if (typeof result.data === 'string') resolve(result.data);
        else reject(new SdkError('FILE_READ_FAILED', `${filePath} was not read as base64.`));
      },
      fail: (result) => reject(new SdkError('FILE_READ_FAILED', result?.errMsg || 'readFile:fail')),
    });
  });
}

/** An image from `wx.chooseMedia` as a `sendChat`/`chatStream` attachment: base64 data and its MIME type. */
export async function readPickedImage(
  wx: WxFileSystemLike,
  picked: PickedImage,
  options: ReadPickedOptions = {},
): Promise<ImageAttachmentInput> {
  checkSize(picked.size, options.maxBytes, 'The image');
  const data = await readFileAsBase64(wx, picked.tempFilePath);
  checkSize(decodedBytes(data), options.maxBytes, 'The image');
  // chooseMedia may compress to JPEG and temp paths keep an extension; JPEG is what cameras produce otherwise.
  return { image: { data, mimeType: mimeTypeFromFileName(picked.tempFilePath) || 'image/jpeg' } };
}

/**
 * A file from `wx.chooseMessageFile` as an attachment: base64 data, its name, and the MIME type its extension
 * implies. Rejects with INVALID_INPUT for an extension the server does not accept.
 */
export async function readPickedFile(
  wx: WxFileSystemLike,
  picked: PickedFile,
  options: ReadPickedOptions = {},
): Promise<FileAttachmentInput> {
  const mimeType = mimeTypeFromFileName(picked.name);
  if (!mimeType) throw new SdkError('INVALID_INPUT', `${picked.name}: this kind of file cannot be sent.`);
  checkSize(picked.size, options.maxBytes, picked.name);
  const data = await readFileAsBase64(wx, picked.path);
  checkSize(decodedBytes(data), options.maxBytes, picked.name);
  return { file: { name: picked.name, data, mimeType } };
}
