/**
 * `npm run screenshot:miniprogram`: renders the example's chat page in WeChat's component simulator (the same setup as
 * test/miniprogram/, real server with WeChat sign-in + fake gateway), then has headless Chromium draw the simulator's DOM to
 * examples/miniprogram/screenshot-chat.png. rpx become px 1:1 (the simulator's rule), so the 750 px wide viewport is
 * a phone screen at 2x. WeChat's built-in components (view, text, image, button, input) get a minimal stand-in style;
 * images come from the picked file. Needs Debian's chromium (`apt-get install -y chromium fonts-noto-cjk`).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { EXAMPLE_DIR, prepareExampleProject } from '../test/miniprogram/example-project.ts';
import { fire, renderPage, simulate, textOf, waitFor } from '../test/miniprogram/pages.ts';
import { startSignInServer } from '../test/miniprogram/servers.ts';
import { installWx } from '../test/miniprogram/wx-harness.ts';
import { createWxSimulator } from '../test/sdk/wx-simulator.ts';

const OUTPUT = join(EXAMPLE_DIR, 'screenshot-chat.png');

/** A small gradient PNG standing in for a photo from the album. */
function photo(width = 96, height = 64): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = 80 + Math.round((120 * x) / width);
      row[2 + x * 3] = 140 + Math.round((80 * y) / height);
      row[3 + x * 3] = 220;
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const BUILT_IN_STYLE = `
  html, body { margin: 0; height: 100%; }
  body { background: #f5f6f7; color: #1f2329; font: 30px/1.5 'Noto Sans CJK SC', 'PingFang SC', sans-serif; }
  wx-view, wx-scroll-view, wx-image, wx-input { display: block; }
  wx-text { display: inline; white-space: pre-wrap; }
  wx-image img { display: block; width: 100%; border-radius: inherit; }
  wx-button { display: inline-flex; align-items: center; justify-content: center; box-sizing: border-box;
    height: 60px; padding: 0 24px; border-radius: 10px; font-size: 26px; background: #f2f2f2; color: #1f2329; }
  wx-button[class*="--send"] { background: #07c160; color: #fff; }
  wx-button[class*="--stop"] { background: #fa5151; color: #fff; }
  wx-input::before { content: '输入消息'; color: #a0a4aa; line-height: 72px; }
  .nav { height: 88px; display: flex; align-items: center; justify-content: center; background: #fff;
    font-size: 34px; font-weight: 600; border-bottom: 1px solid #e5e6eb; }
  .page-body { height: calc(100% - 89px); }
  .page-body wx-view[class$="--page"] { height: 100%; }
`;

const server = await startSignInServer({ gateway: { deltaDelayMs: 60 } });
const project = await prepareExampleProject({ baseUrl: server.baseUrl });
simulate();
const simulator = createWxSimulator({ seed: 1 });
const wx = installWx(simulator);
const picture = photo();
wx.files.set('wxfile://tmp/album-photo.png', picture);

const page = renderPage(project, 'chat');
page.instance.onLoad({});
wx.nextImages.push({ tempFilePath: 'wxfile://tmp/album-photo.png', size: picture.length });
await fire(page, '.pick-image');
await waitFor(() => page.querySelector('.pending-image'), 'the picked image');
await fire(page, '.input', 'input', { detail: { value: '这张图里有什么？请用 **要点** 回答' } });
await fire(page, '.send');
await waitFor(() => textOf(page, '.ai-label').length > 0, 'the first answer', 30_000);
await fire(page, '.input', 'input', { detail: { value: '再写长一点 FAKE_LONG' } });
await fire(page, '.send');
await waitFor(() => (textOf(page, '.bubble-assistant .answer').at(-1) ?? '').includes('word14'), 'a growing answer');

// The simulator's DOM and the page's compiled WXSS, as they are at this moment of the stream.
const dom = document.querySelector('parent-wrapper')!.cloneNode(true) as Element;
for (const image of Array.from(dom.querySelectorAll('wx-image[data-src]'))) {
  const file = wx.files.get(image.getAttribute('data-src')!);
  if (file) image.innerHTML = `<img src="data:image/png;base64,${file.toString('base64')}">`;
}
const styles = Array.from(document.querySelectorAll('style'))
  .map((style) => style.textContent)
  .join('\n');
const appStyle = readFileSync(join(project.miniprogram, 'app.wxss'), 'utf8')
  .replace(/\bpage\b/g, 'body')
  .replace(/(\d+)rpx/g, '$1px');
const html = `<!doctype html><html><head><meta charset="utf-8"><style>${appStyle}${BUILT_IN_STYLE}${styles}</style></head>
<body><div class="nav">对话</div><div class="page-body">${dom.innerHTML}</div></body></html>`;

const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'chromium-')), {
  viewport: { width: 750, height: 1334 },
  deviceScaleFactor: 0.6,
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const browserPage = await browser.newPage();
  // Nothing leaves the machine: the page is self-contained.
  await browserPage.route('**/*', (route) => route.abort());
  await browserPage.setContent(html);
  writeFileSync(OUTPUT, await browserPage.screenshot());
  console.log(`${OUTPUT}: ${readFileSync(OUTPUT).length} bytes`);
} finally {
  await browser.close();
  page.instance.onUnload();
  simulator.close();
  await server.close();
}
