import { readFileSync } from 'node:fs';
import { createContext, runInContext } from 'node:vm';
import { MINIPROGRAM_ABSENT_GLOBALS } from '../../sdk/baseline.ts';
import type * as Sdk from '../../sdk/src/index.ts';
import type { WxLike } from '../../sdk/src/wx-types.ts';

/** Globals a mini-program logic layer lacks (plus Node's own); the bundle must not need any of them. */
export const ABSENT_GLOBALS = [...MINIPROGRAM_ABSENT_GLOBALS, 'global', 'queueMicrotask', 'structuredClone'];

export interface MiniprogramRuntime {
  sdk: typeof Sdk;
  /** `typeof name` evaluated inside the sandbox. */
  typeOf(name: string): string;
}

/**
 * Runs the built CommonJS bundle in a fresh V8 context holding only what a mini-program logic layer offers:
 * `wx`, timers, `console`, and `module`/`exports`.
 */
export function loadMiniprogramBundle(file: string, wx: WxLike): MiniprogramRuntime {
  const module = { exports: {} as Record<string, unknown> };
  const context = createContext({
    wx,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    console,
    module,
    exports: module.exports,
  });
  // node:vm adds nothing of Node's to a new context, but be explicit about what the sandbox must lack.
  for (const name of ABSENT_GLOBALS) {
    if (runInContext(`typeof ${name}`, context) !== 'undefined') throw new Error(`vm context unexpectedly has ${name}`);
  }
  runInContext(readFileSync(file, 'utf8'), context, { filename: file });
  return {
    sdk: module.exports as unknown as typeof Sdk,
    typeOf: (name) => runInContext(`typeof ${name}`, context) as string,
  };
}
