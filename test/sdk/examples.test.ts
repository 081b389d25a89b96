import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMiniprogramSdk } from '../../sdk/build.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The migration example must keep compiling against the SDK as a mini-program would install it. */
describe('examples/miniprogram', () => {
  const dir = mkdtempSync(join(tmpdir(), 'miniprogram-example-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('typechecks against the built SDK copied into lib/openclaw-sdk', async () => {
    const app = join(dir, 'miniprogram');
    cpSync(join(ROOT, 'examples/miniprogram'), app, { recursive: true });
    await buildMiniprogramSdk(join(app, 'lib/openclaw-sdk'));
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2017',
          lib: ['es2018'],
          module: 'esnext',
          moduleResolution: 'bundler',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        include: ['services', 'pages'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const run = () => execFileSync(process.execPath, [tsc, '-p', join(app, 'tsconfig.json')], { encoding: 'utf8' });
    expect(run).not.toThrow();
  }, 60_000);
});
