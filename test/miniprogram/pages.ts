import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Simulate from 'miniprogram-simulate';
import { installDom } from './dom.ts';
import type { ExampleProject } from './example-project.ts';

let loaded: typeof Simulate | undefined;

/** miniprogram-simulate defines its globals (Component, wx) when loaded, so it is loaded once the DOM exists. */
export function simulate(): typeof Simulate {
  if (!loaded) {
    installDom();
    loaded = createRequire(import.meta.url)('miniprogram-simulate') as typeof Simulate;
  }
  return loaded;
}

// biome-ignore lint/suspicious/noExplicitAny: j-component's component handle is untyped data and methods
export type RenderedPage = any;

/** Loads a page of the example through WeChat's template compiler (wcc) and attaches it to the jsdom document. */
export function renderPage(project: ExampleProject, page: 'index' | 'conversations' | 'chat'): RenderedPage {
  const id = simulate().load(join(project.miniprogram, 'pages', page, 'index'), `${page}-page`, {
    rootPath: project.miniprogram,
  });
  const rendered = simulate().render(id);
  const parent = document.createElement('parent-wrapper');
  document.body.appendChild(parent);
  rendered.attach(parent);
  return rendered;
}

/** Waits (bounded) until `check` returns a truthy value, and returns it; the UI updates asynchronously. */
export async function waitFor<T>(check: () => T, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function textOf(page: RenderedPage, selector: string): string[] {
  return page.querySelectorAll(selector).map((node: RenderedPage) => node.dom.textContent.trim());
}

/** Dispatches an event and lets the handler (dispatched on a microtask) run. */
export async function fire(page: RenderedPage, selector: string, event = 'tap', options: object = {}): Promise<void> {
  const target = page.querySelector(selector);
  if (!target) throw new Error(`no ${selector} on the page`);
  target.dispatchEvent(event, options);
  await simulate().sleep(0);
}
