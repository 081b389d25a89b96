/** Helpers for the REST `/api/chat` integration tests: requests, SSE reading, fixtures, error checks. */
import { expect } from 'vitest';
import type { TestServer } from './server.ts';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON in assertions
export type Json = any;

export { settledFlag, within } from './async.ts';
export {
  TEXT_FILE_BASE64 as TXT_BASE64,
  TINY_PDF_BASE64 as PDF_BASE64,
  TINY_PNG_BASE64 as PNG_BASE64,
} from './media.ts';

export interface ChatRequestOptions {
  /** Sent as X-Api-Key unless `bearer` is set; null sends no key. Default: the server's first key. */
  apiKey?: string | null;
  /** Send the key as Authorization: Bearer instead of X-Api-Key. */
  bearer?: boolean;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

function authHeaders(server: TestServer, options: ChatRequestOptions = {}): Record<string, string> {
  const key = options.apiKey === undefined ? server.apiKey : options.apiKey;
  if (key === null) return {};
  return options.bearer ? { authorization: `Bearer ${key}` } : { 'x-api-key': key };
}

/** POST /api/chat with a JSON body (or a raw string body, sent as-is). */
export function postChat(server: TestServer, body: unknown, options: ChatRequestOptions = {}): Promise<Response> {
  return fetch(`${server.baseUrl}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(server, options), ...options.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

export const userMessage = (content: string) => ({ role: 'user', content });

/** Asserts the one REST error shape and returns the error object. */
export async function expectError(response: Response, status: number, code: string): Promise<Json['error']> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text);
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toEqual({
    code,
    message: expect.any(String),
    type: expect.any(String),
    requestId: expect.any(String),
  });
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.requestId.length).toBeGreaterThan(0);
  expect(response.headers.get('x-request-id')).toBe(body.error.requestId);
  return body.error;
}

/** Nothing about the gateway's location, our token, or our code in a client-visible message. */
export function expectNoLeak(text: string, gatewayUrl: string): void {
  const url = new URL(gatewayUrl);
  expect(text).not.toContain(gatewayUrl);
  expect(text).not.toContain(url.host);
  expect(text).not.toContain(`:${url.port}`);
  expect(text).not.toContain('fake-token');
  expect(text).not.toMatch(/\n\s+at\s/);
  expect(text).not.toMatch(/\.ts:\d+/);
}

/** The server still answers after an error. */
export async function expectStillServes(server: TestServer): Promise<void> {
  const health = await fetch(`${server.baseUrl}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ ok: true });
}

export interface SseFrame {
  /** A comment line's text (after ':'), e.g. ' ping'. */
  comment?: string;
  /** The joined data lines. */
  data?: string;
  event?: string;
}

export interface SseRead {
  /** Every byte received, decoded. */
  raw: string;
  frames: SseFrame[];
}

function parseBlock(block: string): SseFrame {
  const frame: SseFrame = {};
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comment = (frame.comment ?? '') + line.slice(1);
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    else if (line.startsWith('event:')) frame.event = line.slice(6).trim();
  }
  if (data.length > 0) frame.data = data.join('\n');
  return frame;
}

/**
 * Reads an event stream incrementally until it ends (or `stop` returns true for a frame), calling
 * `onFrame` as each frame arrives.
 */
export async function readSse(
  response: Response,
  options: { onFrame?: (frame: SseFrame) => void; stop?: (frame: SseFrame) => boolean } = {},
): Promise<SseRead> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let raw = '';
  let buffer = '';
  const frames: SseFrame[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      raw += text;
      buffer += text.replace(/\r\n?/g, '\n');
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const frame = parseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        frames.push(frame);
        options.onFrame?.(frame);
        if (options.stop?.(frame)) return { raw, frames };
        end = buffer.indexOf('\n\n');
      }
    }
    raw += decoder.decode();
    if (buffer.trim() !== '') frames.push(parseBlock(buffer));
    return { raw, frames };
  } finally {
    reader.releaseLock();
    await response.body?.cancel().catch(() => {});
  }
}

/** The JSON payloads of the data frames, `[DONE]` kept as the string. */
export function dataPayloads(frames: readonly SseFrame[]): Json[] {
  return frames.filter((f) => f.data !== undefined).map((f) => (f.data === '[DONE]' ? '[DONE]' : JSON.parse(f.data!)));
}
