import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { buildBundleForTests } from '../sdk/bundle.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const EXAMPLE_DIR = join(ROOT, 'examples/miniprogram');
export const SDK_PACKAGE = '@openclaw-minipro/sdk';

export interface ExampleConfig {
  baseUrl: string;
  pageSize?: number;
}

export interface ExampleProject {
  /** The project folder (what DevTools opens). */
  root: string;
  /** Its `miniprogramRoot`. */
  miniprogram: string;
}

/** Copies the example without anything a developer's install or build left in it. */
export function copyExample(target: string): void {
  cpSync(EXAMPLE_DIR, target, {
    recursive: true,
    filter: (source) => !/[\\/](node_modules|miniprogram_npm)([\\/]|$)/.test(source.slice(EXAMPLE_DIR.length)),
  });
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((entry) => entry.endsWith('.ts') && !entry.endsWith('.d.ts') && !entry.includes('miniprogram_npm'))
    .map((entry) => join(dir, entry));
}

/**
 * The example as DevTools would run it: the built SDK where "构建 npm" puts it (`miniprogram_npm/<name>/`), every
 * `.ts` transpiled beside itself to CommonJS (DevTools' TypeScript plugin transpiles without type checking; the
 * package test typechecks), and `config` pointed at the test server.
 */
export async function prepareExampleProject(config: ExampleConfig): Promise<ExampleProject> {
  const root = mkdtempSync(join(tmpdir(), 'miniprogram-example-'));
  copyExample(root);
  const miniprogram = join(root, 'miniprogram');
  const npmDir = join(miniprogram, 'miniprogram_npm', SDK_PACKAGE);
  mkdirSync(npmDir, { recursive: true });
  cpSync((await buildBundleForTests()).file, join(npmDir, 'index.js'));
  for (const file of tsFiles(miniprogram)) {
    const output = await transform(readFileSync(file, 'utf8'), {
      loader: 'ts',
      format: 'cjs',
      target: 'es2017',
      sourcefile: file,
    });
    writeFileSync(file.replace(/\.ts$/, '.js'), output.code);
  }
  writeFileSync(
    join(miniprogram, 'config.js'),
    [`exports.BASE_URL = ${JSON.stringify(config.baseUrl)};`, `exports.PAGE_SIZE = ${config.pageSize ?? 20};`, ''].join(
      '\n',
    ),
  );
  // Node's stand-in for WeChat's lookup of bare specifiers in miniprogram_npm.
  const link = join(root, 'node_modules', SDK_PACKAGE);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(npmDir, link, 'dir');
  return { root, miniprogram };
}

/**
 * One module of the example, transpiled as DevTools would and loaded. The example is its own TypeScript project
 * (CommonJS, wx typings), typechecked by the package test, so the repository's compiler never sees its files.
 */
export async function loadExampleModule(path: string): Promise<unknown> {
  const source = join(EXAMPLE_DIR, 'miniprogram', path);
  const output = await transform(readFileSync(source, 'utf8'), { loader: 'ts', format: 'cjs', target: 'es2017' });
  const file = join(mkdtempSync(join(tmpdir(), 'example-module-')), 'module.cjs');
  writeFileSync(file, output.code);
  return createRequire(import.meta.url)(file);
}
