/** Defaults mirror the OpenClaw gateway's own limits (openclaw-gateway.md §3), so we fail first and say why. */
export const IMAGE_MIME_TYPES = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/heic',
  'image/heif',
] as const;

export const FILE_MIME_TYPES = [
  'text/plain',
  'text/markdown',
  'text/html',
  'text/csv',
  'application/json',
  'application/pdf',
] as const;

export type ImageMimeType = (typeof IMAGE_MIME_TYPES)[number];
export type FileMimeType = (typeof FILE_MIME_TYPES)[number];

export const MiB = 1024 * 1024;

export interface AttachmentLimits {
  maxImageBytes: number;
  maxFileBytes: number;
  maxImages: number;
  maxFiles: number;
  /** The gateway's fixed request body cap; the translated upstream body must fit in it. */
  maxUpstreamBodyBytes: number;
}

/** Extension → MIME for files whose client did not say (chooseMessageFile gives no MIME type). */
export const FILE_EXTENSION_MIME: Readonly<Record<string, FileMimeType | ImageMimeType>> = {
  txt: 'text/plain',
  text: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
  csv: 'text/csv',
  json: 'application/json',
  pdf: 'application/pdf',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
};

/** MIME type from a file name's extension (case-insensitive); undefined when unknown. */
export function mimeTypeFromFileName(name: string): FileMimeType | ImageMimeType | undefined {
  const dot = name.lastIndexOf('.');
  if (dot === -1 || dot === name.length - 1) return undefined;
  return FILE_EXTENSION_MIME[name.slice(dot + 1).toLowerCase()];
}
