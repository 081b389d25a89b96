import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { ask, SEND_CHAT } from '../helpers/fixtures.ts';
import { approve, codeFor, gqlAs, ME, SIGN_IN, signIn } from '../helpers/identity.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const run = promisify(execFile);

/** The real operator command, in its own process, against the server's database. */
async function admin(databaseUrl: string, ...args: string[]) {
  return run(process.execPath, ['scripts/admin.ts', ...args], { env: { ...process.env, DATABASE_URL: databaseUrl } });
}

/** Polls until `check` passes (the server re-reads users every AUTH_CACHE_TTL_MS); bounded, not timed. */
async function eventually(check: () => Promise<void>, attempts = 100): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await check();
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const chatCode = async (server: TestServer, token: string) =>
  (await gqlAs(server, token, SEND_CHAT, { input: ask('hello') })).errors?.[0]?.extensions?.code ?? 'OK';

describe('approval policy with the admin command, while the server runs', () => {
  let db: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    db = await freshDatabase('sqlite');
    server = await startTestServer({
      wechat: true,
      apiKeys: [],
      env: { DATABASE_URL: db.url, AUTH_CACHE_TTL_MS: '200' },
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('lists the pending user, approves it by its code, and the running server lets it chat', async () => {
    const session = await signIn(server, 'newcomer');
    const code = session.user.approvalCode as string;
    expect(await chatCode(server, session.accessToken)).toBe('PENDING_APPROVAL');

    const listed = await admin(db.url, 'users', 'list', '--status', 'pending');
    expect(listed.stdout).toMatch(/ID\s+STATUS\s+CODE/);
    expect(listed.stdout).toContain(session.user.id);
    expect(listed.stdout).toContain(code);

    const approved = await admin(db.url, 'users', 'approve', code.toLowerCase());
    expect(approved.stdout).toContain('is now active');
    await eventually(async () => expect(await chatCode(server, session.accessToken)).toBe('OK'));
    expect((await gqlAs(server, session.accessToken, ME)).data?.me).toMatchObject({ status: 'active' });
  });

  it('blocks a user: every call, sign-in included, answers FORBIDDEN within seconds', async () => {
    const session = await signIn(server, 'troll');
    await approve(server, session.user.id);
    expect(await chatCode(server, session.accessToken)).toBe('OK');

    await admin(db.url, 'users', 'block', session.user.id);
    await eventually(async () => {
      const me = await gqlAs(server, session.accessToken, ME);
      expect(me.status).toBe(403);
      expect(me.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
    const again = await gqlAs(server, undefined, SIGN_IN, { code: codeFor('troll') });
    expect(again.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const rest = await fetch(`${server.baseUrl}/api/auth/wechat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: codeFor('troll') }),
    });
    expect(rest.status).toBe(403);
  });

  it('sets per-user limits, and explains its usage on a mistake', async () => {
    const session = await signIn(server, 'limited');
    const out = await admin(
      db.url,
      'users',
      'limits',
      session.user.id,
      '--requests-per-minute',
      '7',
      '--tokens-per-day',
      '500',
    );
    expect(out.stdout).toMatch(/REQ\/MIN\s+TOKENS\/DAY/);
    expect(out.stdout).toMatch(/\s7\s+500\s/);
    const user = await server.app.users?.get(session.user.id);
    expect(user).toMatchObject({ requestsPerMinute: 7, tokensPerDay: 500 });
    await expect(admin(db.url, 'users', 'limits', session.user.id, '--tokens-per-day', 'lots')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--tokens-per-day must be a whole number'),
    });
    await expect(admin(db.url, 'users', 'approve', 'nobody')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('No user'),
    });
  });
});

describe('allowlist policy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      wechat: true,
      apiKeys: [],
      env: { ACCESS_POLICY: 'allowlist', ALLOWED_OPENIDS: 'o_friend, o_family', AUTH_CACHE_TTL_MS: '0' },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lets listed openids in at once', async () => {
    const session = await signIn(server, 'friend');
    expect(session.user).toMatchObject({ status: 'active', approvalCode: null });
    expect(await chatCode(server, session.accessToken)).toBe('OK');
  });

  it('refuses others until the operator approves them', async () => {
    const session = await signIn(server, 'stranger');
    expect(session.user.status).toBe('pending');
    expect(await chatCode(server, session.accessToken)).toBe('PENDING_APPROVAL');
    await approve(server, session.user.id);
    expect(await chatCode(server, session.accessToken)).toBe('OK');
  });
});

describe('open policy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      wechat: true,
      apiKeys: [],
      env: { ACCESS_POLICY: 'open', AUTH_CACHE_TTL_MS: '0' },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lets every signed-in user chat', async () => {
    const session = await signIn(server, 'anyone');
    expect(session.user.status).toBe('active');
    expect(await chatCode(server, session.accessToken)).toBe('OK');
  });

  it('still refuses a blocked user', async () => {
    const session = await signIn(server, 'spammer');
    await server.app.users?.setStatus(session.user.id, 'blocked');
    expect((await gqlAs(server, session.accessToken, ME)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
