import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Base64Blob } from '../contract/base64-blob.ts';
import { AppError } from '../contract/errors.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;
const BASE64 = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=') BASE64[c.charCodeAt(0)] = 1;

/** Stands in for blob i in the small JSON that is actually parsed; NUL + a per-process nonce cannot be forged. */
const MARK = `\u0000${randomBytes(8).toString('hex')}:`;
const MARK_JSON = JSON.stringify(MARK).slice(1, -1);

interface Position {
  chunk: number;
  offset: number;
}

export interface SplitBody {
  /** The JSON text with every long base64 string literal replaced by a marker. */
  skeleton: string;
  blobs: Base64Blob[];
}

function slice(chunks: readonly Buffer[], from: Position, to: Position): Buffer[] {
  const out: Buffer[] = [];
  for (let c = from.chunk; c <= to.chunk; c++) {
    const start = c === from.chunk ? from.offset : 0;
    const end = c === to.chunk ? to.offset : chunks[c]!.length;
    if (end > start) out.push(chunks[c]!.subarray(start, end));
  }
  return out;
}

/**
 * Finds JSON string literals of at least `minLength` pure base64 characters in a body held as chunks,
 * without concatenating them, and cuts them out as Base64Blobs (views on the chunks, no copy).
 */
export function splitLargeBase64(chunks: readonly Buffer[], minLength: number): SplitBody {
  const blobs: Base64Blob[] = [];
  const skeleton: Buffer[] = [];
  let copiedUpTo: Position = { chunk: 0, offset: 0 };
  let inString = false;
  let escaped = false;
  let pure = false;
  let length = 0;
  let firstPad = -1;
  let start: Position = { chunk: 0, offset: 0 };

  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c]!;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (!inString) {
        if (byte === QUOTE) {
          inString = true;
          pure = true;
          length = 0;
          firstPad = -1;
          start = { chunk: c, offset: i + 1 };
        }
        continue;
      }
      if (pure) {
        // The hot loop: runs of base64 inside a literal.
        while (i < chunk.length && BASE64[chunk[i]!] === 1) {
          if (firstPad === -1 && chunk[i] === EQUALS) firstPad = length;
          i++;
          length++;
        }
        if (i === chunk.length) break;
      }
      const current = chunk[i]!;
      if (escaped) {
        escaped = false;
      } else if (current === BACKSLASH) {
        escaped = true;
        pure = false;
      } else if (current === QUOTE) {
        inString = false;
        if (pure && length >= minLength) {
          const end = { chunk: c, offset: i };
          skeleton.push(...slice(chunks, copiedUpTo, start), Buffer.from(`${MARK_JSON}${blobs.length}`));
          blobs.push(new Base64Blob(slice(chunks, start, end), firstPad));
          copiedUpTo = end;
        }
      } else {
        pure = false;
      }
      if (inString) length++;
    }
  }
  if (blobs.length === 0) return { skeleton: Buffer.concat(chunks as Buffer[]).toString('utf8'), blobs };
  skeleton.push(...slice(chunks, copiedUpTo, { chunk: chunks.length - 1, offset: chunks.at(-1)!.length }));
  return { skeleton: Buffer.concat(skeleton).toString('utf8'), blobs };
}

/**
 * Puts the blobs back where their markers are, in a parsed JSON value. Only attachment payloads (`data`)
 * stay bytes; a long base64-looking literal anywhere else (say, a message) becomes a plain string again.
 */
export function restoreBlobs(value: unknown, blobs: readonly Base64Blob[], key?: string): unknown {
  if (typeof value === 'string') {
    if (!value.startsWith(MARK)) return value;
    const blob = blobs[Number(value.slice(MARK.length))];
    if (!blob) return value;
    return key === 'data' ? blob : blob.toString();
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restoreBlobs(value[i], blobs);
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const name of Object.keys(record)) {
      // A key is a string literal too: a (pathologically) long base64 key comes back as its text.
      const restored = name.startsWith(MARK) ? String(restoreBlobs(name, blobs)) : name;
      const child = restoreBlobs(record[name], blobs, restored);
      if (restored !== name) delete record[name];
      record[restored] = child;
    }
  }
  return value;
}

export interface LargeJsonOptions {
  bodyLimit: number;
  /** Literals at least this long are kept as bytes. */
  minBlobLength?: number;
}

/**
 * A JSON body parser for routes that take base64 attachments (the REST shim): long base64 literals stay
 * as the body's own bytes, so a 10 MB image is held about once, not four or five times. Same limits,
 * same prototype-poisoning protection as Fastify's default parser.
 */
export function useLargeJsonBodies(app: FastifyInstance, options: LargeJsonOptions): void {
  const minBlobLength = options.minBlobLength ?? 64 * 1024;
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  // JSON only: Fastify's text/plain parser would hand the route a string and a confusing schema error (415 instead).
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', (request: FastifyRequest, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (declared > options.bodyLimit) {
      done(tooLarge(options.bodyLimit), undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > options.bodyLimit) {
        cleanup();
        done(tooLarge(options.bodyLimit), undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (error?: Error) => {
      cleanup();
      // A client that hangs up mid-upload is its own problem, not a server error.
      if (error instanceof AppError) return done(error, undefined);
      if (error)
        return done(new AppError('INVALID_INPUT', 'The request body was cut off.', { cause: error }), undefined);
      if (!Number.isNaN(declared) && declared !== received) {
        return done(new AppError('INVALID_INPUT', 'The Content-Length does not match the body.'), undefined);
      }
      if (received === 0)
        return done(new AppError('INVALID_INPUT', 'The request body is empty: send a JSON object.'), undefined);
      const { skeleton, blobs } = splitLargeBase64(chunks, minBlobLength);
      parseJson(request, skeleton, (error, body) => {
        if (error) return done(error, undefined);
        done(null, blobs.length > 0 ? restoreBlobs(body, blobs) : body);
      });
    };
    const cleanup = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onEnd);
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onEnd);
  });
}

function tooLarge(limit: number): AppError {
  return new AppError(
    'PAYLOAD_TOO_LARGE',
    `Request body is too large (limit ${limit} bytes). Shrink the attachments or send fewer per message.`,
  );
}
