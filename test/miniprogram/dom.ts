import { createRequire } from 'node:module';

// jsdom ships no types; this is the one constructor used here.
type JsdomConstructor = new (html: string, options: { pretendToBeVisual: boolean }) => { window: object };
const { JSDOM } = createRequire(import.meta.url)('jsdom') as { JSDOM: JsdomConstructor };

let installed: InstanceType<JsdomConstructor> | undefined;

/**
 * Gives this worker the browser globals miniprogram-simulate and j-component expect (window, document, DOM classes),
 * without vitest's jsdom environment: that one replaces Node's own globals (TextEncoder, …), which breaks esbuild and
 * the real server running in the same process. Only names Node lacks are added, plus jsdom's CustomEvent.
 */
export function installDom(): void {
  if (installed) return;
  installed = new JSDOM('<!doctype html><html><head></head><body></body></html>', { pretendToBeVisual: true });
  const window = installed.window as unknown as Record<string, unknown>;
  const global = globalThis as unknown as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(window)) {
    if (key in global || key.startsWith('_')) continue;
    let value: unknown;
    try {
      value = window[key];
    } catch {
      continue; // storage and the like, which jsdom refuses without an origin
    }
    Object.defineProperty(global, key, { configurable: true, writable: true, value });
  }
  global.window = window;
  // j-component dispatches `new CustomEvent` on jsdom nodes, which take only jsdom's events. Node's own `Event` stays:
  // the server in this process aborts requests with it.
  global.CustomEvent = window.CustomEvent;
}
