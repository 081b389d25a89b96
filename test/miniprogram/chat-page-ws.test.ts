import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWsTestServer, type WsTestServer } from '../helpers/ws-server.ts';
import { createWxSimulator, type WxSimulator } from '../sdk/wx-simulator.ts';
import { prepareExampleProject } from './example-project.ts';
import { fire, renderPage, simulate, textOf, waitFor } from './pages.ts';
import { installWx } from './wx-harness.ts';

// Tool events come from the gateway's WebSocket protocol, so this page runs against the server's ws transport.
let server: WsTestServer;
let simulator: WxSimulator;

beforeAll(async () => {
  server = await startWsTestServer();
  simulate();
  simulator = createWxSimulator({ seed: 5 });
  installWx(simulator);
}, 60_000);
afterAll(async () => {
  simulator.close();
  await server.close();
});

it('shows "正在使用工具：…" while the agent uses a tool, and clears it when the tool is done', async () => {
  const project = await prepareExampleProject({ baseUrl: server.baseUrl, apiKey: server.apiKey });
  const page = renderPage(project, 'chat');
  page.instance.onLoad({});
  const tools: unknown[] = [];
  const setData = page.instance.setData.bind(page.instance);
  page.instance.setData = (data: Record<string, unknown>) => {
    if ('messages[1].tool' in data) tools.push(data['messages[1].tool']);
    setData(data);
  };
  await fire(page, '.input', 'input', { detail: { value: 'list files FAKE_TOOL' } });
  await fire(page, '.send');
  await waitFor(() => textOf(page, '.ai-label').length > 0, 'the answer');
  expect(tools).toEqual(['正在使用工具：Ls .', '', '']);
  expect(textOf(page, '.tool-status')).toEqual([]);
  page.instance.onUnload();
  page.detach();
});
