import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { findBaselineViolations } from './baseline.ts';

const sdkDir = dirname(fileURLToPath(import.meta.url));
const projectDir = resolve(sdkDir, '..');

/** Oldest engines in WeChat's logic layer that the bundle must run on. */
export const MINIPROGRAM_TARGETS = ['es2017', 'chrome66', 'ios11'];

export interface BuildResult {
  file: string;
  bytes: number;
}

/** The package's `miniprogram` directory: what WeChat DevTools' "构建 npm" copies into `miniprogram_npm`. */
export const MINIPROGRAM_DIST = join(sdkDir, 'miniprogram_dist');

/**
 * Bundles the SDK into one self-contained CommonJS file (plus `index.d.ts` unless `declarations` is false) and
 * fails when the output uses syntax or globals the oldest phones lack.
 */
export async function buildMiniprogramSdk(
  outDir = MINIPROGRAM_DIST,
  { declarations = true }: { declarations?: boolean } = {},
): Promise<BuildResult> {
  const file = join(outDir, 'index.js');
  await build({
    entryPoints: [join(sdkDir, 'src/index.ts')],
    outfile: file,
    bundle: true,
    format: 'cjs',
    platform: 'neutral',
    target: MINIPROGRAM_TARGETS,
    tsconfig: join(sdkDir, 'tsconfig.json'),
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'warning',
  });
  const code = readFileSync(file, 'utf8');
  const violations = findBaselineViolations(code);
  if (violations.length > 0) throw new Error(`${file} would break on old phones:\n${violations.join('\n')}`);
  // sdk/package.json says "type": "module" for the repo's own tooling; the bundle is CommonJS for Node consumers too.
  writeFileSync(join(outDir, 'package.json'), '{ "type": "commonjs" }\n');
  if (declarations) emitDeclarations(outDir);
  return { file, bytes: Buffer.byteLength(code) };
}

function emitDeclarations(outDir: string): void {
  const types = join(outDir, 'types');
  mkdirSync(types, { recursive: true });
  execFileSync(
    join(projectDir, 'node_modules/.bin/tsc'),
    [
      '-p',
      join(sdkDir, 'tsconfig.json'),
      '--noEmit',
      'false',
      '--declaration',
      '--emitDeclarationOnly',
      '--rootDir',
      projectDir,
      '--outDir',
      types,
    ],
    { stdio: 'inherit' },
  );
  // Consumers' TypeScript may predate `.ts` import specifiers: point them at the `.js` the declarations describe.
  for (const entry of readdirSync(types, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.d.ts')) continue;
    const path = join(types, entry);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/(from '\.{1,2}\/[^']*)\.ts'/g, "$1.js'"));
  }
  writeFileSync(join(outDir, 'index.d.ts'), "export * from './types/sdk/src/index.js';\n");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { file, bytes } = await buildMiniprogramSdk();
  console.log(`${file}: ${bytes} bytes`);
}
