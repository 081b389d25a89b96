import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_API_KEY, type TestServer } from '../helpers/server.ts';

/** TLS_CERT_FILE/TLS_KEY_FILE make the server speak HTTPS itself (no reverse proxy in front). */
describe('serving HTTPS directly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const insecure = new Agent({ connect: { rejectUnauthorized: false } });
  let server: TestServer;

  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { stdio: 'ignore' },
    );
    server = await startTestServer({ env: { TLS_CERT_FILE: cert, TLS_KEY_FILE: key } });
  });
  afterAll(async () => {
    await server?.close();
    await insecure.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers health and chat over https', async () => {
    expect(server.baseUrl).toMatch(/^https:\/\//);
    const health = await fetch(`${server.baseUrl}/healthz`, { dispatcher: insecure } as RequestInit);
    expect(await health.json()).toEqual({ ok: true });
    const chat = await fetch(`${server.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'over tls' }] }),
      dispatcher: insecure,
    } as RequestInit);
    expect((await chat.json()).choices[0].message.content).toMatch(/^ECHO: over tls/);
  });
});
