/** The request bodies the benchmark sends, per surface, and the equivalent direct gateway calls. */
import { GRAPHQL_FLOOR_PATH, TRPC_FLOOR_PATH } from './floors.ts';
import { API_KEY, FAKE_TOKEN } from './processes.ts';

export type SurfaceName = 'rest' | 'graphql' | 'trpc' | 'graphql-floor' | 'trpc-floor';

export interface Surface {
  name: SurfaceName;
  label: string;
  path: string;
  body: string;
  /** Substring every successful answer contains. */
  expect: string;
  /** The library's floor (bench/floors.ts) this surface's overhead is measured against. */
  floor?: SurfaceName;
}

export const MESSAGES = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'hello world' },
];
const INPUT = { model: 'openclaw', messages: MESSAGES };
const ECHO = 'ECHO: hello world';

export const SERVER_HEADERS: Record<string, string> = { 'content-type': 'application/json', 'x-api-key': API_KEY };
export const FAKE_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  authorization: `Bearer ${FAKE_TOKEN}`,
};

const SEND_CHAT =
  'mutation Send($input: SendChatInput!) { sendChat(input: $input) { runId message { content } usage { totalTokens } } }';

const GRAPHQL_BODY = JSON.stringify({ query: SEND_CHAT, variables: { input: INPUT } });

/** Our three surfaces and, with the same request bodies, the libraries' floors (each next to its surface). */
export const SURFACES: readonly Surface[] = [
  { name: 'rest', label: 'REST POST /api/chat', path: '/api/chat', body: JSON.stringify(INPUT), expect: ECHO },
  {
    name: 'graphql',
    label: 'GraphQL sendChat',
    path: '/graphql',
    body: GRAPHQL_BODY,
    expect: ECHO,
    floor: 'graphql-floor',
  },
  { name: 'graphql-floor', label: 'floor: minimal yoga', path: GRAPHQL_FLOOR_PATH, body: GRAPHQL_BODY, expect: ECHO },
  {
    name: 'trpc',
    label: 'tRPC chat.send',
    path: '/trpc/chat.send',
    body: JSON.stringify(INPUT),
    expect: ECHO,
    floor: 'trpc-floor',
  },
  {
    name: 'trpc-floor',
    label: 'floor: minimal tRPC',
    path: `${TRPC_FLOOR_PATH}/chat.send`,
    body: JSON.stringify(INPUT),
    expect: ECHO,
  },
];

/** What the server sends upstream for the REST body: the same turn, straight to the fake. */
export const DIRECT_CHAT_BODY = JSON.stringify({ model: 'openclaw', messages: MESSAGES, stream: false });

export function restStreamBody(userText: string): string {
  return JSON.stringify({ model: 'openclaw', messages: [{ role: 'user', content: userText }], stream: true });
}

export function directStreamBody(userText: string): string {
  return JSON.stringify({
    model: 'openclaw',
    messages: [{ role: 'user', content: userText }],
    stream: true,
    stream_options: { include_usage: true },
  });
}
