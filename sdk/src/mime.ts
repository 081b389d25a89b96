const MIME_TYPES: Record<string, string> = {
  txt: 'text/plain',
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

/** MIME type from a file name's extension (case-insensitive), e.g. for files from `wx.chooseMessageFile`. */
export function mimeTypeFromFileName(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  if (dot === -1 || dot === name.length - 1) return undefined;
  return MIME_TYPES[name.slice(dot + 1).toLowerCase()];
}
