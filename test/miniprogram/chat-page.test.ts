import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import type { WxSimulator } from '../sdk/wx-simulator.ts';
import type { ExampleProject } from './example-project.ts';
import { fire, type RenderedPage, renderPage, textOf, waitFor } from './pages.ts';
import { openPhone } from './phone.ts';
import { startSignInServer } from './servers.ts';
import type { WxHarness } from './wx-harness.ts';

// The example's chat page in WeChat's component simulator, its wx.request going to the real server and fake gateway.
const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const LONG_ANSWER = Array.from({ length: 40 }, (_, i) => `word${i + 1}`).join(' ');
/** The operator's AI_LABEL_TEXT: the page shows the server's label, not a text of its own. */
const LABEL = '本回答由AI生成';

let server: TestServer;
let project: ExampleProject;
let simulator: WxSimulator;
let wx: WxHarness;
let page: RenderedPage;

beforeAll(async () => {
  server = await startSignInServer({ gateway: { deltaDelayMs: 15 }, env: { AI_LABEL_TEXT: LABEL } });
  ({ project, simulator, wx } = await openPhone({ baseUrl: server.baseUrl }, { seed: 7 }));
}, 60_000);
afterAll(async () => {
  simulator.close();
  await server.close();
});
afterEach(() => {
  page?.instance.onUnload();
  page?.detach();
});

/** Every `setData` payload the page sends from now on. */
function recordSetData(): Record<string, unknown>[] {
  const updates: Record<string, unknown>[] = [];
  const setData = page.instance.setData.bind(page.instance);
  page.instance.setData = (data: Record<string, unknown>) => {
    updates.push(data);
    setData(data);
  };
  return updates;
}

function openChat(query: Record<string, string> = {}): RenderedPage {
  page = renderPage(project, 'chat');
  page.instance.onLoad(query);
  return page;
}

async function type(text: string): Promise<void> {
  await fire(page, '.input', 'input', { detail: { value: text } });
}

const answerText = () => textOf(page, '.bubble-assistant .answer').at(-1) ?? '';
const labels = () => textOf(page, '.ai-label');
const operations = () => simulator.requests.map((r) => (r.body as { operationName?: string }).operationName);

describe('chat page', () => {
  it('shows the user bubble, then the answer growing as it streams, then the AI label', async () => {
    openChat();
    const updates = recordSetData();
    await type('hello FAKE_LONG');
    await fire(page, '.send');
    expect(textOf(page, '.bubble-user')).toEqual(['hello FAKE_LONG']);

    const seen: string[] = [];
    await waitFor(() => {
      const text = answerText();
      if (text && text !== seen.at(-1)) seen.push(text);
      return labels().length > 0;
    }, 'the label');
    expect(seen.at(-1)).toContain(LONG_ANSWER);
    const partial = seen.filter((text) => !text.includes('word40'));
    expect(partial.length).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.startsWith(seen[i - 1]!)).toBe(true);
    expect(labels()).toEqual([LABEL]);
    expect(textOf(page, '.send')).toEqual(['发送']);
    // No API key in the app: the SDK signed in with wx.login on first use and sends its bearer token.
    expect(operations()[0]).toBe('SignInWithWechat');
    const chat = simulator.requests.find((r) => (r.body as { operationName?: string }).operationName === 'ChatStream');
    expect(chat?.header.Authorization).toMatch(/^Bearer /);

    // While streaming, only the growing message's paths crossed to the render thread, never the whole list.
    const streamed = updates.filter((data) => Object.keys(data).some((key) => key.endsWith('.text')));
    expect(streamed.length).toBeGreaterThan(1);
    for (const data of streamed)
      expect(
        Object.keys(data).every((key) => key.startsWith('messages[1].') || key === 'streaming' || key === 'scrollTo'),
      ).toBe(true);
  });

  it('shows a picked image in the user bubble and sends it to the gateway', async () => {
    openChat();
    wx.files.set('wxfile://tmp/photo.png', TINY_PNG);
    wx.nextImages.push({ tempFilePath: 'wxfile://tmp/photo.png', size: TINY_PNG.length });
    await fire(page, '.pick-image');
    await waitFor(() => page.querySelector('.pending-image'), 'the picked image in the composer');
    await type('what is in this picture?');
    const gatewayCalls = server.gateway.requests.length;
    await fire(page, '.send');

    const image = await waitFor(() => page.querySelector('.bubble-user .user-image'), 'the image in the user bubble');
    expect(image.dom.getAttribute('data-src')).toBe('wxfile://tmp/photo.png');
    expect(textOf(page, '.bubble-user')).toEqual(['what is in this picture?']);
    await waitFor(() => labels().length > 0, 'the answer');
    expect(answerText()).toContain('images=1');
    const sent = JSON.stringify(server.gateway.requests.slice(gatewayCalls).map((r) => r.body));
    expect(sent).toContain(TINY_PNG.toString('base64'));
  });

  it('shows a picked file by name in the user bubble and sends it', async () => {
    openChat();
    wx.files.set('wxfile://tmp/f1', Buffer.from('meeting notes'));
    wx.nextFiles.push({ path: 'wxfile://tmp/f1', name: 'notes.txt', size: 13 });
    await fire(page, '.pick-file');
    await waitFor(() => page.querySelector('.pending-chip'), 'the picked file in the composer');
    await fire(page, '.send');
    await waitFor(() => labels().length > 0, 'the answer');
    expect(textOf(page, '.bubble-user .file-chip')).toEqual(['📄 notes.txt']);
    expect(textOf(page, '.bubble-user .user-text')).toEqual(['请总结这个文件']);
    expect(answerText()).toContain('files=1');
  });

  it('shows images the answer links inline and its files as links, with the Markdown as text', async () => {
    openChat();
    await type('FAKE_MEDIA show me');
    await fire(page, '.send');
    await waitFor(() => labels().length > 0, 'the answer');
    const images = page.querySelectorAll('.bubble-assistant .generated-image');
    expect(images.map((image: RenderedPage) => image.dom.getAttribute('data-src'))).toContain(
      'https://example.com/chart.png',
    );
    expect(textOf(page, '.bubble-assistant .file-chip').join(' ')).toContain('report');
    // The Markdown image is not rendered from the model's text, only named: the server's attachment is the image.
    expect(answerText()).toContain('[图片: chart]');
  });

  it('stop cancels the run on the server and offers a retry', async () => {
    openChat();
    await type('FAKE_HANG please wait');
    const gatewayCalls = server.gateway.requests.length;
    await fire(page, '.send');
    const upstream = (await server.gateway.waitForRequests(gatewayCalls + 1))[gatewayCalls]!;
    await waitFor(() => page.querySelector('.stop'), 'the stop button');
    await fire(page, '.stop');

    await waitFor(() => page.querySelector('.retry'), 'the retry button');
    expect(textOf(page, '.bubble-assistant .error')).toEqual(['已停止']);
    expect(operations()).toContain('CancelChat');
    await upstream.closed;
    expect(upstream.closedEarly).toBe(true);
    expect(labels()).toEqual([]);
  });

  it('shows a failed answer with its reason and retries the same turn', async () => {
    openChat();
    await type('FAKE_500 try again');
    const gatewayCalls = server.gateway.requests.length;
    await fire(page, '.send');
    await waitFor(() => page.querySelector('.retry'), 'the retry button');
    expect(textOf(page, '.bubble-assistant .error')[0]).toBeTruthy();
    expect(labels()).toEqual([]);
    const failedCalls = server.gateway.requests.length;

    await fire(page, '.retry');
    await waitFor(() => server.gateway.requests.length > failedCalls, 'the retried turn at the gateway');
    await waitFor(() => page.querySelector('.retry'), 'the retry button again');
    const asked = server.gateway.requests.slice(gatewayCalls).map((r) => JSON.stringify(r.body));
    expect(asked.every((body) => body.includes('FAKE_500 try again'))).toBe(true);
    // Still one user turn and one answer bubble: the retry reuses the failed answer's place.
    expect(textOf(page, '.bubble-user')).toEqual(['FAKE_500 try again']);
    expect(page.querySelectorAll('.bubble-assistant')).toHaveLength(1);
  });

  it('resumes the answer when the app returns from the background, with nothing lost or repeated', async () => {
    openChat();
    const updates = recordSetData();
    await type('background FAKE_LONG');
    const gatewayCalls = server.gateway.requests.length;
    await fire(page, '.send');
    await waitFor(() => answerText().includes('word3'), 'the first words');

    wx.hide();
    const upstream = (await server.gateway.waitForRequests(gatewayCalls + 1))[gatewayCalls]!;
    await waitFor(() => textOf(page, '.notice').length > 0, 'the interrupted notice');
    const atHide = answerText();
    await upstream.closed; // the server got the whole answer while the app was away
    expect(answerText()).toBe(atHide);
    expect(atHide).not.toContain('word40');

    wx.show();
    await waitFor(() => labels().length > 0, 'the label after resuming');
    expect(answerText()).toBe(LONG_ANSWER);
    const shown = updates.flatMap((data) =>
      Object.keys(data)
        .filter((key) => key.endsWith('.text'))
        .map((key) => data[key]),
    );
    for (const text of shown) expect(LONG_ANSWER.startsWith(text as string)).toBe(true);
    const resumed = simulator.requests.filter(
      (r) => (r.body as { operationName?: string }).operationName === 'ChatEvents',
    );
    expect(resumed.at(-1)?.body).toMatchObject({ variables: { after: expect.any(String) } });
  });
});
