import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { vi } from 'vitest';
import WebSocket from 'ws';
import type { FakeGateway, RecordedRequest } from '../fake-gateway/fake-gateway.ts';
import type { TestServer } from './server.ts';

export { deferred, rejection } from './async.ts';
export { pngOfSize, TEXT_FILE_BASE64, TINY_PDF_BASE64, TINY_PNG_BASE64 } from './media.ts';

let counter = 0;
/** A marker unique to one test, put in the user text so the upstream request can be found by content. */
export function marker(label = 'm'): string {
  counter += 1;
  return `${label}${counter}x${Math.random().toString(36).slice(2, 8)}`;
}

/** The upstream request whose body mentions `needle` (waits until the fake has read its body). */
export async function upstreamFor(gateway: FakeGateway, needle: string, timeout = 5000): Promise<RecordedRequest> {
  return vi.waitFor(
    () => {
      const found = gateway.requests.find((r) => r.body !== undefined && JSON.stringify(r.body).includes(needle));
      if (!found) throw new Error(`no upstream request mentions ${needle}`);
      return found;
    },
    { timeout, interval: 10 },
  );
}

/** No upstream request mentions `needle`. */
export function noUpstream(gateway: FakeGateway, needle: string): boolean {
  return !gateway.requests.some((r) => JSON.stringify(r.body ?? '').includes(needle));
}

/** The last user `message` item of an OpenResponses body. */
// biome-ignore lint/suspicious/noExplicitAny: parsed upstream JSON
export function lastUserItem(body: any): any {
  // biome-ignore lint/suspicious/noExplicitAny: parsed upstream JSON
  const items = (body.input as any[]).filter((item) => item.type === 'message' && item.role === 'user');
  return items.at(-1);
}

/** The GraphQL selection for a ChatResult, every field: sendChat and ChatCompleted return the same shape. */
const CHAT_RESULT_FIELDS = /* GraphQL */ `
  runId
  model
  message { role content }
  finishReason
  usage { inputTokens outputTokens totalTokens }
  attachments { __typename ... on ImageAttachment { url alt } ... on FileAttachment { url name } }
`;

/** The GraphQL selection for a ChatEvent, every field. */
const CHAT_EVENT_FIELDS = /* GraphQL */ `
  __typename
  ... on ChatStarted { runId eventId }
  ... on ChatDelta { runId eventId text }
  ... on ChatCompleted { runId eventId result { ${CHAT_RESULT_FIELDS} } }
  ... on ChatFailed { runId eventId code message }
`;

export const CHAT_STREAM = /* GraphQL */ `
  subscription ChatStream($input: SendChatInput!) { chatStream(input: $input) { ${CHAT_EVENT_FIELDS} } }
`;
export const CHAT_EVENTS = /* GraphQL */ `
  subscription ChatEvents($runId: ID!, $after: String) { chatEvents(runId: $runId, after: $after) { ${CHAT_EVENT_FIELDS} } }
`;
export const SEND_CHAT = /* GraphQL */ `
  mutation SendChat($input: SendChatInput!) { sendChat(input: $input) { ${CHAT_RESULT_FIELDS} } }
`;
export const CANCEL_CHAT = /* GraphQL */ `
  mutation Cancel($runId: ID!) { cancelChat(runId: $runId) }
`;

/** A ChatEvent as GraphQL returns it (the union flattened). */
export interface GqlEvent {
  __typename: 'ChatStarted' | 'ChatDelta' | 'ChatCompleted' | 'ChatFailed';
  runId: string;
  eventId: string;
  text?: string;
  code?: string;
  message?: string;
  result?: { runId: string; model: string; message: { role: string; content: string } };
}

export interface GqlError {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: GqlError[];
}

/** A GraphQL operation over plain HTTP POST. */
export async function gql<T = Record<string, unknown>>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: { apiKey?: string; headers?: Record<string, string> } = {},
): Promise<GqlResponse<T>> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
    ...options.headers,
  };
  if (options.apiKey !== undefined) headers['x-api-key'] = options.apiKey;
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const json = (await response.json()) as { data?: T | null; errors?: GqlError[] };
  return { status: response.status, headers: response.headers, ...json };
}

/** Request headers that authenticate a caller (an API key, or a signed-in user's Bearer token). */
export type Credentials = Record<string, string>;

/**
 * A graphql-sse client for `server`, one connection per operation and no retries (a failure surfaces at once).
 * Sends `credentials`: an API key (X-Api-Key), or headers such as a user's Bearer token.
 */
export function sseClient(server: TestServer, credentials: string | Credentials = server.apiKey) {
  return createSseClient({
    url: `${server.baseUrl}/graphql`,
    singleConnection: false,
    headers: typeof credentials === 'string' ? { 'x-api-key': credentials } : credentials,
    retryAttempts: 0,
  });
}

/** A graphql-ws client for `server`, keyed in connectionParams, with no retries; the caller disposes it. */
export function wsClient(server: TestServer, apiKey = server.apiKey) {
  return createWsClient({
    url: `${server.baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { apiKey },
    retryAttempts: 0,
  });
}

/** The user's turn, as every surface takes it. */
export const ask = (content: string, extra: Record<string, unknown> = {}) => ({
  messages: [{ role: 'user' as const, content }],
  ...extra,
});

/**
 * Checks a finished stream: consecutive event ids from `firstId`, started first (when from 1), one terminal
 * event last, and the deltas concatenating to the final text. Returns the final text.
 */
export function checkStream(
  events: ReadonlyArray<{ type: string; eventId: string; text?: string; content?: string }>,
  firstId = 1,
): string {
  const ids = events.map((e) => Number(e.eventId));
  expect_(ids.length > 0, 'no events');
  ids.forEach((id, i) => {
    expect_(id === firstId + i, `event ids not consecutive: ${ids.join(',')}`);
  });
  if (firstId === 1) expect_(events[0]?.type === 'started', `first event is ${events[0]?.type}`);
  const last = events.at(-1)!;
  expect_(last.type === 'completed', `stream ended with ${JSON.stringify(last)}`);
  const text = events.map((e) => (e.type === 'delta' ? (e.text ?? '') : '')).join('');
  expect_(text === last.content, `deltas "${text}" != final "${last.content}"`);
  return text;
}

function expect_(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** GraphQL events in the neutral shape checkStream takes. */
export function fromGql(events: readonly GqlEvent[]) {
  return events.map((e) => ({
    type: { ChatStarted: 'started', ChatDelta: 'delta', ChatCompleted: 'completed', ChatFailed: 'failed' }[
      e.__typename
    ],
    eventId: e.eventId,
    text: e.text,
    content: e.result?.message.content,
    code: e.code,
  }));
}

/** Reads a fetch body as text chunks until `until` returns true on the accumulated text (or the body ends). */
export async function readUntil(
  body: ReadableStream<Uint8Array>,
  until: (text: string) => boolean,
): Promise<{ text: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!until(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return { text, reader };
}

interface ResultLike {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

/** Collected subscription results: the ChatEvents (from whichever root field) and any GraphQL errors. */
export interface Collected {
  events: GqlEvent[];
  errors: GqlError[];
}

/**
 * Iterates a subscription (graphql-sse or graphql-ws `iterate`) to its end. `onEvent` may return true to stop
 * (breaking the loop unsubscribes / drops the connection); a thrown error from the transport is rethrown.
 */
export async function collectGql(
  iterable: AsyncIterable<ResultLike>,
  onEvent?: (event: GqlEvent, events: GqlEvent[]) => boolean | undefined | Promise<boolean | undefined>,
): Promise<Collected> {
  const events: GqlEvent[] = [];
  const errors: GqlError[] = [];
  for await (const result of iterable) {
    if (result.errors?.length) errors.push(...(result.errors as GqlError[]));
    const event = (result.data?.chatStream ?? result.data?.chatEvents) as GqlEvent | undefined;
    if (!event) continue;
    events.push(event);
    if (await onEvent?.(event, events)) break;
  }
  return { events, errors };
}
