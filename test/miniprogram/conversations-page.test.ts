import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatClient } from '../../sdk/src/index.ts';
import type { TestServer } from '../helpers/server.ts';
import type { WxSimulator } from '../sdk/wx-simulator.ts';
import type { ExampleProject } from './example-project.ts';
import { fire, type RenderedPage, renderPage, textOf, waitFor } from './pages.ts';
import { openPhone } from './phone.ts';
import { phoneOf, startSignInServer } from './servers.ts';
import type { WxHarness } from './wx-harness.ts';

// The example's conversation list in WeChat's component simulator, signed in with WeChat against the real server.
let server: TestServer;
let project: ExampleProject;
let simulator: WxSimulator;
let wx: WxHarness;
/** The same WeChat user on another phone, talking to the server directly to set the scene. */
let user: ChatClient;
let otherPhone: WxSimulator;
let page: RenderedPage;

beforeAll(async () => {
  server = await startSignInServer();
  ({ project, simulator, wx } = await openPhone(
    { baseUrl: server.baseUrl, pageSize: 2 },
    { seed: 3, account: 'list-user' },
  ));
  ({ client: user, simulator: otherPhone } = phoneOf(server.baseUrl, 'list-user'));
}, 60_000);
afterAll(async () => {
  simulator.close();
  otherPhone.close();
  await server.close();
});
afterEach(() => page?.detach());

async function startConversation(text: string): Promise<string> {
  const result = await user.sendChat({ messages: [{ role: 'user', content: text }] });
  return result.conversationId!;
}

const titles = () => textOf(page, '.title');

describe('conversation list page', () => {
  it('is where the sign-in gate sends a user the server lets in at once (ACCESS_POLICY=open)', async () => {
    page = renderPage(project, 'index');
    page.instance.onLoad();
    await waitFor(() => wx.navigations.includes('/pages/conversations/index'), 'the redirect');
    expect(simulator.requests.map((r) => (r.body as { operationName?: string }).operationName)).toEqual([
      'SignInWithWechat',
      'Me',
    ]);
  });

  it('shows a conversation started in the chat page with its title, newest first', async () => {
    await startConversation('older question');
    const chat = renderPage(project, 'chat');
    chat.instance.onLoad({});
    await fire(chat, '.input', 'input', { detail: { value: '第一个问题 from the chat page' } });
    await fire(chat, '.send');
    await waitFor(() => textOf(chat, '.ai-label').length > 0, 'the answer');
    chat.instance.onUnload();
    chat.detach();

    page = renderPage(project, 'conversations');
    page.instance.onShow();
    await waitFor(() => titles().length === 2, 'the first page');
    expect(titles()).toEqual(['第一个问题 from the chat page', 'older question']);
  });

  it('pages with the reach-bottom event, refreshes on pull down', async () => {
    await startConversation('third');
    page = renderPage(project, 'conversations');
    page.instance.onShow();
    await waitFor(() => titles().length === 2, 'the first page');
    expect(titles()).toEqual(['third', '第一个问题 from the chat page']);
    page.instance.onReachBottom();
    await waitFor(() => textOf(page, '.footer').includes('没有更多了'), 'the end of the list');
    expect(titles()).toEqual(['third', '第一个问题 from the chat page', 'older question']);

    await startConversation('fourth, from another device');
    const stopped = wx.stoppedPullDownRefresh;
    await page.instance.onPullDownRefresh();
    expect(wx.stoppedPullDownRefresh).toBe(stopped + 1);
    expect(titles()).toEqual(['fourth, from another device', 'third']);
  });

  it('swipes a row open, renames and deletes conversations on the server', async () => {
    page = renderPage(project, 'conversations');
    page.instance.onShow();
    await waitFor(() => titles().length === 2, 'the first page');
    const [first, second] = page.data.items as { id: string }[];

    await fire(page, '.item', 'touchstart', { touches: [{ x: 300, y: 10 }] });
    await fire(page, '.item', 'touchend', { changedTouches: [{ x: 100, y: 10 }] });
    await waitFor(() => page.querySelector('.swiped'), 'the swiped row');

    wx.modalAnswers.push({ confirm: true, content: '改过的名字' });
    await fire(page, '.rename');
    await waitFor(() => titles()[0] === '改过的名字', 'the new title');
    expect((await user.getConversation(first!.id))?.title).toBe('改过的名字');

    wx.modalAnswers.push({ confirm: true });
    await fire(page, '.delete');
    await waitFor(() => titles().length === 1, 'the row gone');
    expect(titles()).toEqual(['third']);
    expect(await user.getConversation(first!.id)).toBeNull();
    expect(await user.getConversation(second!.id)).not.toBeNull();

    wx.modalAnswers.push({ confirm: false });
    await fire(page, '.delete');
    expect(titles()).toEqual(['third']);
  });

  it('opens a conversation in the chat page with its stored messages', async () => {
    page = renderPage(project, 'conversations');
    page.instance.onShow();
    await waitFor(() => titles().length > 0, 'the list');
    const id = (page.data.items as { id: string }[])[0]!.id;
    await fire(page, '.item-main');
    expect(wx.navigations.at(-1)).toBe(`/pages/chat/index?id=${id}`);

    await user.sendChat({ conversationId: id, messages: [{ role: 'user', content: 'third, continued' }] });
    const chat = renderPage(project, 'chat');
    chat.instance.onLoad({ id });
    await waitFor(() => textOf(chat, '.bubble-user').length > 0, 'the stored messages');
    // A page of two messages (the test's PAGE_SIZE): the latest turn, and a way to the earlier ones.
    expect(textOf(chat, '.bubble-user')).toEqual(['third, continued']);
    expect(textOf(chat, '.bubble-assistant .answer')[0]).toContain('ECHO: third, continued');
    expect(wx.titles.at(-1)).toBe('third');
    await fire(chat, '.earlier');
    await waitFor(() => textOf(chat, '.bubble-user').length === 2, 'the earlier messages');
    expect(textOf(chat, '.bubble-user')).toEqual(['third', 'third, continued']);
    expect(textOf(chat, '.ai-label')).toHaveLength(2);
    expect(chat.querySelector('.earlier')).toBeFalsy();
    chat.instance.onUnload();
    chat.detach();
  });
});
