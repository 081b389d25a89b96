import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastUserItem, marker, pngOfSize, upstreamFor } from '../helpers/fixtures.ts';
import { dataPayloads, expectError, postChat, readSse, userMessage } from '../helpers/rest.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Payloads over 64 KiB take the REST parser's zero-copy path (http/json-body.ts): same wire result. */
describe('REST /api/chat with large attachments', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const image = pngOfSize(3 * 1024 * 1024);
  const notes = Buffer.from('第一行\nline two\n'.repeat(20_000)).toString('base64');

  it('forwards a 3 MiB image and a large text file byte-for-byte inside the user message', async () => {
    const m = marker('big');
    const response = await postChat(server, {
      messages: [userMessage(`describe ${m}`)],
      attachments: [
        { type: 'image', mimeType: 'image/png', data: image },
        { type: 'file', name: 'notes.txt', data: notes },
      ],
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await response.json()).choices[0].message.content).toContain('images=1 files=1');
    const upstream = await upstreamFor(server.gateway, m);
    expect(upstream.path).toBe('/v1/responses');
    expect(lastUserItem(upstream.body).content).toEqual([
      { type: 'input_text', text: `describe ${m}` },
      { type: 'input_image', source: { type: 'base64', media_type: 'image/png', data: image } },
      {
        type: 'input_file',
        source: { type: 'base64', media_type: 'text/plain', data: notes, filename: 'notes.txt' },
      },
    ]);
    expect(upstream.headers['content-length']).toBe(String(upstream.bodyBytes));
  });

  it('streams with a large image too', async () => {
    const m = marker('bigstream');
    const response = await postChat(server, {
      stream: true,
      messages: [userMessage(m)],
      attachments: [{ type: 'image', mimeType: 'image/png', data: image }],
    });
    const { frames } = await readSse(response);
    const text = dataPayloads(frames)
      .map((chunk) => chunk.choices?.[0]?.delta?.content ?? '')
      .join('');
    expect(text).toContain('images=1');
    expect(lastUserItem((await upstreamFor(server.gateway, m)).body).content[1].source.data).toBe(image);
  });

  it('rejects a large payload with broken padding as INVALID_INPUT, sending nothing upstream', async () => {
    const before = server.gateway.requests.length;
    const response = await postChat(server, {
      messages: [userMessage('hi')],
      attachments: [{ type: 'image', mimeType: 'image/png', data: `${image.slice(0, -4)}A=AA` }],
    });
    const error = await expectError(response, 400, 'INVALID_INPUT');
    expect(error.message).toMatch(/not valid base64/);
    expect(server.gateway.requests.length).toBe(before);
  });

  it('keeps a long base64-looking message as text', async () => {
    const m = marker('b64text');
    const content = `${m}${'QUJD'.repeat(20_000)}`.replace(/[^A-Za-z0-9]/g, 'A');
    const response = await postChat(server, { messages: [userMessage(content)] });
    expect(response.status).toBe(200);
    const upstream = await upstreamFor(server.gateway, content.slice(0, 40));
    expect(upstream.body.messages).toEqual([{ role: 'user', content }]);
  });
});
