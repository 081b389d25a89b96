import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WxSimulator } from '../sdk/wx-simulator.ts';
import type { ExampleProject } from './example-project.ts';
import { fire, type RenderedPage, renderPage, textOf, waitFor } from './pages.ts';
import { openPhone } from './phone.ts';
import { type ModeratedSignInServer, startModeratedSignInServer } from './servers.ts';

// The chat page against a server that checks content with WeChat's msgSecCheck (the fake): the signed-in user's
// openid goes with each check, answers carry the server's label, and a withdrawn answer disappears from the page.
let m: ModeratedSignInServer;
let project: ExampleProject;
let simulator: WxSimulator;
let page: RenderedPage;

beforeAll(async () => {
  m = await startModeratedSignInServer();
  ({ project, simulator } = await openPhone({ baseUrl: m.server.baseUrl }, { seed: 13, account: 'checked-user' }));
}, 60_000);
afterAll(async () => {
  simulator.close();
  await m.close();
});
afterEach(() => {
  m.wechat.knobs.judge = undefined;
  page?.instance.onUnload();
  page?.detach();
});

function openChat(): RenderedPage {
  page = renderPage(project, 'chat');
  page.instance.onLoad({});
  return page;
}

async function send(text: string): Promise<void> {
  await fire(page, '.input', 'input', { detail: { value: text } });
  await fire(page, '.send');
}

const answerText = () => textOf(page, '.bubble-assistant .answer').at(-1) ?? '';
const checkedOpenids = () => m.wechat.calls('/wxa/msg_sec_check').map((call) => call.body.openid as string);

describe('chat page with content moderation', () => {
  it('labels a checked answer with the label the server sends', async () => {
    openChat();
    await send('你好');
    await waitFor(() => textOf(page, '.ai-label').length > 0, 'the label');
    expect(textOf(page, '.ai-label')).toEqual(['内容由AI生成']);
    expect(answerText()).toContain('ECHO: 你好');
    // Both the user's turn and the answer were checked for this WeChat user.
    expect(new Set(checkedOpenids())).toEqual(new Set(['o_checked-user']));
  });

  it('clears a withdrawn answer and shows a neutral notice instead', async () => {
    // The user's turn passes; the answer is refused once it reaches word 30.
    m.wechat.knobs.judge = (content) => (content.includes(' w30 ') ? 'risky' : undefined);
    openChat();
    const texts: string[] = [];
    const setData = page.instance.setData.bind(page.instance);
    page.instance.setData = (data: Record<string, unknown>) => {
      if (typeof data['messages[1].text'] === 'string') texts.push(data['messages[1].text'] as string);
      setData(data);
    };
    await send('FAKE_DELTAS_60');
    await waitFor(() => textOf(page, '.withdrawn').length > 0, 'the notice');
    expect(texts.some((text) => text.length > 0)).toBe(true); // some of it was shown before the refusal
    expect(answerText()).toBe('');
    expect(textOf(page, '.withdrawn')).toEqual(['该回答已撤回']);
    expect(textOf(page, '.ai-label')).toEqual([]);
    expect(textOf(page, '.error')).toEqual([]);
    expect(page.data.streaming).toBe(false);
  });

  it('shows a withdrawn answer of a reopened conversation as the same notice, without its text', async () => {
    const conversationId = await latestConversationId();
    page = renderPage(project, 'chat');
    page.instance.onLoad({ id: conversationId });
    await waitFor(() => textOf(page, '.bubble-user').length > 0, 'the stored messages');
    expect(textOf(page, '.withdrawn')).toEqual(['该回答已撤回']);
    expect(answerText()).toBe('');
  });
});

/** The app's own newest conversation, read through the example's client. */
async function latestConversationId(): Promise<string> {
  const list = renderPage(project, 'conversations');
  list.instance.onShow();
  await waitFor(() => (list.data.items as unknown[]).length > 0, 'the list');
  const id = (list.data.items as { id: string }[])[0]!.id;
  list.detach();
  return id;
}
