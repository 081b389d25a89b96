import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import { makePng } from '../helpers/media.ts';

/**
 * A stored conversation against the REAL gateway (its fake model echoes `ECHO: <text> | images=N files=N
 * history=N`): the client sends only the new turn, the gateway supplies the history under the conversation's own
 * session, and the record (the user's picture included) survives a restart of this server.
 */
const GATEWAY_URL = process.env.OPENCLAW_GATEWAY_URL;
const GATEWAY_TOKEN = process.env.OPENCLAW_GATEWAY_TOKEN;
const KEY = 'openclaw-e2e-key-0123456789';
const root = mkdtempSync(join(tmpdir(), 'minipro-openclaw-'));

async function startServer(transport: string): Promise<{ app: App; base: string }> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: `sqlite:${join(root, `${transport}.sqlite`)}`,
    ATTACHMENT_URL_SECRET: 'openclaw-e2e-attachment-secret-0123456789',
    API_KEYS: KEY,
    RATE_LIMIT_PER_MINUTE: '100000',
    OPENCLAW_GATEWAY_URL: GATEWAY_URL,
    OPENCLAW_GATEWAY_TOKEN: GATEWAY_TOKEN,
    OPENCLAW_TRANSPORT: transport,
  });
  const app = await buildApp(config);
  return { app, base: await app.server.listen({ host: '127.0.0.1', port: 0 }) };
}

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers of several shapes, checked field by field
async function graphql(base: string, query: string, variables: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEY },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  expect(body.errors).toBeUndefined();
  return body.data;
}

const SEND = `mutation($input: SendChatInput!) { sendChat(input: $input) { conversationId message { content } } }`;
const HISTORY = `query($id: ID!) { conversation(id: $id) { title messages(last: 10) { edges { node {
  role status content attachments { __typename ... on ImageAttachment { url mimeType size } } } } } } }`;

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.runIf(GATEWAY_URL && GATEWAY_TOKEN).each(['http', 'ws'])(
  'a stored conversation over %s against a real OpenClaw gateway',
  (transport) => {
    it('continues with only the new turn, across a restart, and hands back the user’s picture', async () => {
      const png = makePng(8, 8);
      let server = await startServer(transport);
      const first = await graphql(server.base, SEND, {
        input: {
          messages: [{ role: 'user', content: 'remember this picture' }],
          attachments: [{ image: { data: png.toString('base64'), mimeType: 'image/png' } }],
        },
      });
      const { conversationId } = first.sendChat;
      // Over ws the gateway puts a `[media attached: …]` line before an image turn's text.
      expect(first.sendChat.message.content).toMatch(
        /^ECHO: (\[media attached[^\]]*\]\s*)?remember this picture \| images=1 files=0 history=0/,
      );

      await server.app.server.close();
      server = await startServer(transport);
      try {
        const second = await graphql(server.base, SEND, {
          input: { conversationId, messages: [{ role: 'user', content: 'and now?' }] },
        });
        expect(second.sendChat.conversationId).toBe(conversationId);
        // The gateway holds the first exchange: our server sent only "and now?".
        expect(second.sendChat.message.content).toMatch(/^ECHO: and now\? \| images=0 files=0 history=[1-9]/);

        const { conversation } = await graphql(server.base, HISTORY, { id: conversationId });
        expect(conversation.title).toBe('remember this picture');
        const nodes = conversation.messages.edges.map((edge: { node: unknown }) => edge.node);
        expect(nodes.map((n: { role: string; status: string | null }) => [n.role, n.status])).toEqual([
          ['user', null],
          ['assistant', 'completed'],
          ['user', null],
          ['assistant', 'completed'],
        ]);
        const [picture] = nodes[0].attachments;
        expect(picture).toMatchObject({ __typename: 'ImageAttachment', mimeType: 'image/png', size: png.length });
        const download = await fetch(new URL(picture.url, server.base));
        expect(download.status).toBe(200);
        expect(Buffer.from(await download.arrayBuffer()).equals(png)).toBe(true);
      } finally {
        await server.app.server.close();
      }
    });
  },
);
