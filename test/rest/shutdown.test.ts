import { describe, expect, it } from 'vitest';
import { dataPayloads, postChat, readSse, userMessage } from '../helpers/rest.ts';
import { startTestServer } from '../helpers/server.ts';

/** A deploy (SIGTERM → server.close) must end open streams with a retryable error and abort the agent runs. */
describe('shutting down with open streams', () => {
  it('ends each stream with UPSTREAM_UNAVAILABLE and [DONE], and closes the upstream requests', async () => {
    const server = await startTestServer();
    try {
      const response = await postChat(server, { stream: true, messages: [userMessage('FAKE_SILENT')] });
      const [upstream] = await server.gateway.waitForRequests(1);
      const read = readSse(response);
      await server.app.server.close();
      const { frames } = await read;
      const payloads = dataPayloads(frames);
      expect(payloads.at(-1)).toBe('[DONE]');
      expect(payloads.at(-2).error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', type: 'upstream_error' });
      await upstream!.closed;
      expect(upstream!.closedEarly).toBe(true);
    } finally {
      await server.gateway.close();
    }
  });
});
