/** The request bodies the benchmark sends, per surface, and the equivalent direct gateway calls. */
import { API_KEY, FAKE_TOKEN } from './processes.ts';

export type SurfaceName = 'rest' | 'graphql' | 'trpc';

export interface Surface {
  name: SurfaceName;
  label: string;
  path: string;
  body: string;
  /** Substring every successful answer contains. */
  expect: string;
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

export const SURFACES: readonly Surface[] = [
  { name: 'rest', label: 'REST POST /api/chat', path: '/api/chat', body: JSON.stringify(INPUT), expect: ECHO },
  {
    name: 'graphql',
    label: 'GraphQL sendChat',
    path: '/graphql',
    body: JSON.stringify({ query: SEND_CHAT, variables: { input: INPUT } }),
    expect: ECHO,
  },
  { name: 'trpc', label: 'tRPC chat.send', path: '/trpc/chat.send', body: JSON.stringify(INPUT), expect: ECHO },
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
