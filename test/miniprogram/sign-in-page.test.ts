import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import type { WxSimulator } from '../sdk/wx-simulator.ts';
import type { ExampleProject } from './example-project.ts';
import { fire, type RenderedPage, renderPage, textOf, waitFor } from './pages.ts';
import { openPhone } from './phone.ts';
import { runAdmin, sharedSqliteUrl, startSignInServer } from './servers.ts';
import type { WxHarness } from './wx-harness.ts';

// The sign-in gate against a server whose operator approves each new user (ACCESS_POLICY=approval). The operator
// is the real admin command in its own process, on the SQLite file the server uses.
let server: TestServer;
let databaseUrl: string;
let project: ExampleProject;
let simulator: WxSimulator;
let wx: WxHarness;
let page: RenderedPage;

beforeAll(async () => {
  databaseUrl = sharedSqliteUrl();
  server = await startSignInServer({ env: { ACCESS_POLICY: 'approval', DATABASE_URL: databaseUrl } });
  ({ project, simulator, wx } = await openPhone({ baseUrl: server.baseUrl }, { seed: 9 }));
}, 60_000);
afterAll(async () => {
  simulator.close();
  await server.close();
});
afterEach(() => {
  page?.instance.onUnload?.();
  page?.detach();
});

function openGate(): RenderedPage {
  page = renderPage(project, 'index');
  page.instance.onLoad();
  return page;
}

describe('sign-in gate', () => {
  it('shows a pending user the approval screen with the code; once approved, opens the conversation list', async () => {
    wx.account = 'newcomer';
    openGate();
    await waitFor(() => page.querySelector('.approval-code'), 'the approval screen');
    expect(textOf(page, '.headline')).toEqual(['等待审核']);
    const code = textOf(page, '.approval-code')[0]!;
    expect(code).toMatch(/^[A-Z2-9]{6}$/);
    expect(wx.navigations).toEqual([]);

    // Not approved yet: checking again keeps the user on the approval screen.
    await fire(page, '.check');
    await waitFor(() => page.data.status === 'pending', 'the second check');
    expect(wx.navigations).toEqual([]);

    expect(await runAdmin(databaseUrl, 'approve', code)).toContain('active');
    await fire(page, '.check');
    await waitFor(() => wx.navigations.includes('/pages/conversations/index'), 'the conversation list');
    const operations = simulator.requests.map((r) => (r.body as { operationName?: string }).operationName);
    // One wx.login sign-in; the checks reuse the stored session.
    expect(operations.filter((name) => name === 'SignInWithWechat')).toHaveLength(1);
  });

  it('the approved user chats from the chat page', async () => {
    page = renderPage(project, 'chat');
    page.instance.onLoad({});
    await fire(page, '.input', 'input', { detail: { value: 'hello after approval' } });
    await fire(page, '.send');
    await waitFor(() => textOf(page, '.ai-label').length > 0, 'the answer');
    expect(textOf(page, '.bubble-assistant .answer')[0]).toContain('ECHO: hello after approval');
  });

  it('shows a blocked user that the account is closed, with no way forward', async () => {
    expect(await runAdmin(databaseUrl, 'block', `${(await userId('o_newcomer'))!}`)).toContain('blocked');
    const before = wx.navigations.length;
    openGate();
    await waitFor(() => page.data.status === 'blocked', 'the blocked screen');
    expect(textOf(page, '.headline')).toEqual(['无法使用']);
    expect(page.querySelector('.check')).toBeFalsy();
    expect(wx.navigations).toHaveLength(before);
  });
});

/** The user id behind an openid, from the operator's listing. */
async function userId(openid: string): Promise<string | undefined> {
  const listing = await runAdmin(databaseUrl, 'list');
  return listing
    .split('\n')
    .find((line) => line.includes(openid))
    ?.split(/\s+/)[0];
}
