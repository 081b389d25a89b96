import { type Base64Data, base64Head, base64Tail } from '../contract/base64-blob.ts';
import type { AttachmentInput } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import {
  type AttachmentLimits,
  FILE_MIME_TYPES,
  type FileMimeType,
  IMAGE_MIME_TYPES,
  type ImageMimeType,
  mimeTypeFromFileName,
} from '../contract/limits.ts';

export type ValidatedAttachment =
  | { kind: 'image'; mimeType: ImageMimeType; data: Base64Data; bytes: number }
  | { kind: 'file'; mimeType: FileMimeType; data: Base64Data; bytes: number; filename: string };

const NOT_BASE64 = /[^A-Za-z0-9+/=]/;
const DATA_URL_PREFIX = /^data:([^;,]+)?(;[^,]*)?;base64,/;
const LOCAL_PATH = /^(wxfile:|https?:\/\/(tmp|usr|store)\/|file:|\/)/i;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;

function invalid(message: string): AppError {
  return new AppError('INVALID_INPUT', message);
}

/** Decoded size of canonical base64, without decoding it. */
export function decodedLength(base64: Base64Data): number {
  const end = base64Tail(base64, 2);
  const padding = end === '==' ? 2 : end.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

/** `=` may only close the payload: one at the end, or two. */
function paddedCorrectly(firstPad: number, length: number, lastTwo: string): boolean {
  return firstPad === -1 || firstPad === length - 1 || (firstPad === length - 2 && lastTwo === '==');
}

/**
 * Accepts plain base64 or a `data:<mime>;base64,` URL (what many pickers produce), with or without line
 * breaks; returns the bare payload.
 */
function normalizeBase64(raw: Base64Data, label: string): { data: Base64Data; declaredMime: string | undefined } {
  const notBase64 = () =>
    invalid(`${label}: data is not valid base64. Send the file's bytes base64-encoded (standard alphabet, padded).`);
  if (typeof raw !== 'string') {
    // The body parser only keeps pure-alphabet literals as blobs: length and padding are all that is left.
    if (raw.length % 4 !== 0 || !paddedCorrectly(raw.firstPad, raw.length, raw.tail(2))) throw notBase64();
    return { data: raw, declaredMime: undefined };
  }
  let data = raw;
  let declaredMime: string | undefined;
  const prefix = DATA_URL_PREFIX.exec(raw.length > 256 ? raw.slice(0, 256) : raw);
  if (prefix) {
    declaredMime = prefix[1]?.toLowerCase();
    data = raw.slice(prefix[0].length);
  }
  // One search for a bad character (far faster on megabytes than an anchored full match); whitespace is the
  // only one worth a second pass.
  if (NOT_BASE64.test(data)) {
    data = data.replace(/\s+/g, '');
    if (NOT_BASE64.test(data)) throw notBase64();
  }
  if (data.length === 0 || data.length % 4 !== 0 || !paddedCorrectly(data.indexOf('='), data.length, data.slice(-2))) {
    throw notBase64();
  }
  return { data, declaredMime };
}

function head(data: Base64Data, bytes = 16): Buffer {
  return Buffer.from(base64Head(data, Math.ceil(bytes / 3) * 4), 'base64');
}

const ascii = (buf: Buffer, start: number, end: number) => buf.toString('latin1', start, end);

/** Magic bytes per image type: the gateway silently drops undecodable images with a 200, so we check first. */
export function sniffImage(bytes: Buffer): ImageMimeType | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes[0] === 0x89 && ascii(bytes, 1, 4) === 'PNG') return 'image/png';
  if (ascii(bytes, 0, 4) === 'GIF8') return 'image/gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'image/webp';
  if (ascii(bytes, 4, 8) === 'ftyp') {
    const brand = ascii(bytes, 8, 12);
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis'].includes(brand)) return 'image/heic';
    if (['mif1', 'msf1', 'heif'].includes(brand)) return 'image/heif';
  }
  return undefined;
}

function sameImageFamily(a: ImageMimeType, b: ImageMimeType): boolean {
  const heif = (m: string) => m === 'image/heic' || m === 'image/heif';
  return a === b || (heif(a) && heif(b));
}

function validateImage(
  input: Extract<AttachmentInput, { type: 'image' }>,
  label: string,
  limits: AttachmentLimits,
): ValidatedAttachment {
  const { data, declaredMime } = normalizeBase64(input.data, label);
  if (!input.mimeType && !declaredMime) {
    throw invalid(
      `${label}: the image type is unknown; send mimeType (e.g. "image/jpeg") or data as a data: URL ("data:image/jpeg;base64,…").`,
    );
  }
  // An explicit mimeType wins over the data URL's; either way the magic bytes must agree with it.
  const mimeType = (input.mimeType || declaredMime || '').toLowerCase().replace('image/jpg', 'image/jpeg');
  if (!(IMAGE_MIME_TYPES as readonly string[]).includes(mimeType)) {
    throw invalid(`${label}: image type "${mimeType}" is not supported; send one of ${IMAGE_MIME_TYPES.join(', ')}.`);
  }
  const bytes = decodedLength(data);
  if (bytes > limits.maxImageBytes) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `${label}: the image is ${mib(bytes)} decoded; the limit is ${mib(limits.maxImageBytes)}. Compress or resize it (wx.compressImage).`,
    );
  }
  const sniffed = sniffImage(head(data));
  if (!sniffed) {
    throw invalid(`${label}: the data does not look like an image (no JPEG/PNG/GIF/WebP/HEIC signature).`);
  }
  if (!sameImageFamily(sniffed, mimeType as ImageMimeType)) {
    throw invalid(`${label}: mimeType says ${mimeType} but the data is ${sniffed}; send the real type.`);
  }
  return { kind: 'image', mimeType: mimeType as ImageMimeType, data, bytes };
}

function validateFile(
  input: Extract<AttachmentInput, { type: 'file' }>,
  label: string,
  limits: AttachmentLimits,
): ValidatedAttachment {
  if (input.data === undefined || input.data === '') {
    const path = input.url && LOCAL_PATH.test(input.url) ? ` ("${input.url.slice(0, 40)}" is a path on the phone)` : '';
    throw invalid(
      `${label}: file "${input.name}" has no data${path}. The server cannot read device paths: read the file with wx.getFileSystemManager().readFile({ encoding: 'base64' }) and send it as data with its mimeType.`,
    );
  }
  const { data, declaredMime } = normalizeBase64(input.data, label);
  const mimeType = (input.mimeType || declaredMime || mimeTypeFromFileName(input.name) || '').toLowerCase();
  if (!(FILE_MIME_TYPES as readonly string[]).includes(mimeType)) {
    const hint = (IMAGE_MIME_TYPES as readonly string[]).includes(mimeType) ? ' Send images as type "image".' : '';
    throw invalid(
      `${label}: file type "${mimeType || 'unknown'}" of "${input.name}" is not supported; send one of ${FILE_MIME_TYPES.join(', ')}.${hint}`,
    );
  }
  const bytes = decodedLength(data);
  if (bytes > limits.maxFileBytes) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `${label}: "${input.name}" is ${mib(bytes)} decoded; the limit for files is ${mib(limits.maxFileBytes)}.`,
    );
  }
  const start = head(data, 512);
  if (mimeType === 'application/pdf') {
    if (ascii(start, 0, 5) !== '%PDF-') throw invalid(`${label}: "${input.name}" is not a PDF (no %PDF- header).`);
  } else if (start.includes(0)) {
    throw invalid(`${label}: "${input.name}" is declared ${mimeType} but contains binary data.`);
  }
  return { kind: 'file', mimeType: mimeType as FileMimeType, data, bytes, filename: input.name };
}

/** Checks every attachment against the gateway's own rules and says exactly what is wrong. */
export function validateAttachments(
  attachments: readonly AttachmentInput[],
  limits: AttachmentLimits,
): ValidatedAttachment[] {
  let images = 0;
  let files = 0;
  const out = attachments.map((attachment, index) => {
    const label = `attachments[${index}]`;
    if (attachment.type === 'image') {
      images++;
      return validateImage(attachment, label, limits);
    }
    files++;
    return validateFile(attachment, label, limits);
  });
  if (images > limits.maxImages) throw invalid(`At most ${limits.maxImages} images per message; got ${images}.`);
  if (files > limits.maxFiles) throw invalid(`At most ${limits.maxFiles} files per message; got ${files}.`);
  const total = out.reduce((sum, a) => sum + a.data.length, 0);
  if (total > limits.maxUpstreamBodyBytes - 64 * 1024) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `The attachments add up to ${mib(total)} of base64; the gateway accepts at most ${mib(limits.maxUpstreamBodyBytes)} per request. Send fewer or smaller files.`,
    );
  }
  return out;
}
