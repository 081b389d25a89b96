/**
 * `npm run demo`: the real server in front of the in-repo fake gateway, plus one scripted chat
 * (a plain answer, then a streamed one), so a newcomer sees the whole path with no OpenClaw installed.
 * The server keeps running afterwards for GraphiQL and curl.
 */
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/env.ts';
import { startFakeGateway } from '../test/fake-gateway/fake-gateway.ts';

const API_KEY = process.env.DEMO_API_KEY ?? 'demo-key-change-me-0123456789';
const port = process.env.PORT ?? '12626';

const gateway = await startFakeGateway({ token: 'demo-gateway-token', deltaDelayMs: 40 });
const config = loadConfig({
  NODE_ENV: 'development',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  API_KEYS: API_KEY,
  OPENCLAW_GATEWAY_URL: gateway.url,
  OPENCLAW_GATEWAY_TOKEN: 'demo-gateway-token',
  // The demo's fake gateway speaks HTTP only.
  OPENCLAW_TRANSPORT: 'http',
  HOST: '127.0.0.1',
  PORT: port,
  DATABASE_URL: process.env.DATABASE_URL ?? 'sqlite:./data/demo.sqlite',
});
const start = async () => {
  const { server } = await buildApp(config, undefined, { graphiqlApiKey: API_KEY });
  return { server, base: await server.listen({ host: config.host, port: config.port }) };
};
let { server, base } = await start();
const headers = { 'content-type': 'application/json', 'x-api-key': API_KEY };

console.log(`\nServer on ${base} (fake OpenClaw gateway on ${gateway.url})\n`);
console.log('1) POST /api/chat (the legacy mini-program request)');
const plain = await fetch(`${base}/api/chat`, {
  method: 'POST',
  headers,
  body: JSON.stringify({
    model: 'openclaw',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: '你好, OpenClaw!' },
    ],
  }),
});
const answer = (await plain.json()) as { choices: Array<{ message: { content: string } }> };
console.log(`   ${plain.status} → ${answer.choices[0]?.message.content}\n`);

console.log('2) POST /api/chat with stream: true (deltas as they arrive)');
process.stdout.write('   ');
const streamed = await fetch(`${base}/api/chat`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'FAKE_CHINESE please stream' }] }),
});
const decoder = new TextDecoder();
let buffer = '';
for await (const chunk of streamed.body as AsyncIterable<Uint8Array>) {
  buffer += decoder.decode(chunk, { stream: true });
  let end = buffer.indexOf('\n\n');
  while (end !== -1) {
    const frame = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    end = buffer.indexOf('\n\n');
    if (!frame.startsWith('data: ') || frame === 'data: [DONE]') continue;
    const delta = JSON.parse(frame.slice(6)).choices?.[0]?.delta?.content;
    if (delta) process.stdout.write(delta);
  }
}
console.log('\n');

console.log('3) GraphQL sendChat: a new stored conversation, then the server restarts and the conversation goes on');
const graphql = async (query: string, variables: Record<string, unknown>) => {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: demo output
  return ((await response.json()) as { data: any }).data;
};
const SEND = 'mutation($input: SendChatInput!) { sendChat(input: $input) { conversationId message { content } } }';
const first = await graphql(SEND, { input: { messages: [{ role: 'user', content: 'Remember the number 42.' }] } });
const { conversationId } = first.sendChat;
console.log(`   conversation ${conversationId}: ${first.sendChat.message.content}`);
await server.close();
console.log('   … server stopped; starting a new one on the same database …');
({ server, base } = await start());
const next = await graphql(SEND, {
  input: { conversationId, messages: [{ role: 'user', content: 'Which number did I ask you to remember?' }] },
});
console.log(`   same conversation after the restart: ${next.sendChat.message.content}`);
const history = await graphql(
  'query($id: ID!) { conversation(id: $id) { title messages(last: 10) { edges { node { role status content } } } } }',
  { id: conversationId },
);
console.log(`   "${history.conversation.title}", read back from the store:`);
for (const { node } of history.conversation.messages.edges) {
  console.log(`     ${node.role.padEnd(9)} ${(node.status ?? '').padEnd(9)} ${node.content}`);
}
console.log('');
console.log(`GraphiQL:  ${base}/graphql  (its Headers tab already holds the demo key)`);
console.log(`curl:      curl -N ${base}/api/chat -H 'x-api-key: ${API_KEY}' -H 'content-type: application/json' \\`);
console.log(`             -d '{"stream":true,"messages":[{"role":"user","content":"hello"}]}'`);
console.log('\nCtrl-C to stop.');

const stop = async () => {
  await server.close();
  await gateway.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
