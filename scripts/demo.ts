/**
 * `npm run demo`: the real server in front of the in-repo fake gateway and fake WeChat API: a phone user signs in
 * (pending, approved with the admin command, then chatting with its own token), then scripted chats with the API key
 * (a plain answer, then a streamed one), so a newcomer sees the whole path with no OpenClaw or WeChat at hand.
 * The server keeps running afterwards for GraphiQL and curl.
 */
import { execFileSync } from 'node:child_process';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/env.ts';
import { startFakeGateway } from '../test/fake-gateway/fake-gateway.ts';
import { startFakeWechat } from '../test/fake-wechat/fake-wechat.ts';

const API_KEY = process.env.DEMO_API_KEY ?? 'demo-key-change-me-0123456789';
const port = process.env.PORT ?? '12626';

const gateway = await startFakeGateway({ token: 'demo-gateway-token', deltaDelayMs: 40 });
const wechat = await startFakeWechat();
const databaseUrl = process.env.DATABASE_URL ?? 'sqlite:./data/demo.sqlite';
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
  DATABASE_URL: databaseUrl,
  WECHAT_APPID: wechat.appId,
  WECHAT_SECRET: wechat.secret,
  WECHAT_API_BASE: wechat.url,
  AUTH_SECRET: 'demo-auth-secret-change-me-0123456789abcdef',
  AUTH_CACHE_TTL_MS: '500',
});
const start = async () => {
  const { server } = await buildApp(config, undefined, { graphiqlApiKey: API_KEY });
  return { server, base: await server.listen({ host: config.host, port: config.port }) };
};
let { server, base } = await start();
const headers = { 'content-type': 'application/json', 'x-api-key': API_KEY };

console.log(`\nServer on ${base} (fake OpenClaw gateway on ${gateway.url}, fake WeChat API on ${wechat.url})\n`);

console.log('0) WeChat sign-in: the phone sends its wx.login code, the server asks WeChat (code2Session)');
const post = async (path: string, body: unknown, extra: Record<string, string> = {}) => {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...extra },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: demo output
  return { status: response.status, json: (await response.json()) as any };
};
const signIn = await post('/api/auth/wechat', { code: 'code-demo-1' });
const session = signIn.json;
console.log(`   ${signIn.status} → user ${session.user.id}, status ${session.user.status}`);
const userChat = () =>
  post(
    '/api/chat',
    { messages: [{ role: 'user', content: 'Hello from a signed-in phone' }] },
    {
      authorization: `Bearer ${session.accessToken}`,
    },
  );
if (session.user.status === 'pending') {
  const refused = await userChat();
  console.log(
    `   chatting now: ${refused.status} ${refused.json.error.code} (code ${refused.json.error.approvalCode})`,
  );
  console.log(`   the operator runs: npm run admin -- users approve ${session.user.approvalCode}`);
  const out = execFileSync(process.execPath, ['scripts/admin.ts', 'users', 'approve', session.user.approvalCode], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  console.log(`   ${out.toString().trim()}`);
  await new Promise((resolve) => setTimeout(resolve, 600)); // AUTH_CACHE_TTL_MS
}
const allowed = await userChat();
console.log(`   chatting with the access token: ${allowed.status} → ${allowed.json.choices?.[0]?.message.content}\n`);

console.log('1) POST /api/chat with the API key (the legacy mini-program request)');
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
console.log(
  `sign-in:   curl -X POST ${base}/api/auth/wechat -H 'content-type: application/json' -d '{"code":"code-you-1"}'`,
);
console.log(`curl:      curl -N ${base}/api/chat -H 'x-api-key: ${API_KEY}' -H 'content-type: application/json' \\`);
console.log(`             -d '{"stream":true,"messages":[{"role":"user","content":"hello"}]}'`);
console.log('\nCtrl-C to stop.');

const stop = async () => {
  await server.close();
  await gateway.close();
  await wechat.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
