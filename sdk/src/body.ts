import { decodeUtf8 } from './utf8.ts';

/** Realm-independent check: ArrayBuffers may come from another JS context than the SDK's. */
export function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}

/** `wx.request` hands bodies over as string, ArrayBuffer or (with dataType json) an already-parsed value. */
export function bodyToText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data === undefined || data === null) return '';
  if (isArrayBuffer(data)) return decodeUtf8(new Uint8Array(data));
  return JSON.stringify(data);
}

/** The parsed JSON body, or `undefined` when the body is empty or not JSON. */
export function bodyToJson(data: unknown): unknown {
  if (data !== null && typeof data === 'object' && !isArrayBuffer(data)) return data;
  const text = bodyToText(data).trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
