import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findBaselineViolations } from '../../sdk/baseline.ts';
import { loadMiniprogramBundle } from '../sdk/vm-runtime.ts';
import { createWxSimulator } from '../sdk/wx-simulator.ts';
import { buildNpm } from './build-npm.ts';
import { copyExample, ROOT, SDK_PACKAGE } from './example-project.ts';

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

// npm runs the package's prepack (node build.ts) with this Node first on PATH: the one running the tests.
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, env, encoding: 'utf8' });

/** The newcomer's path: `npm install` the SDK's tarball in the example, "构建 npm", compile, run. */
describe('the SDK as an npm package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdk-package-'));
  const project = join(dir, 'project');
  let packed: PackResult;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('packs what its miniprogram, main and types fields point at, and nothing it does not need', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'sdk/package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: SDK_PACKAGE,
      miniprogram: 'miniprogram_dist',
      main: 'miniprogram_dist/index.js',
      types: 'miniprogram_dist/index.d.ts',
    });
    expect(manifest.dependencies ?? {}).toEqual({});

    // prepack builds the bundle and prints before npm's JSON report.
    const output = npm(['pack', '--json', '--pack-destination', dir], join(ROOT, 'sdk'));
    packed = (JSON.parse(output.slice(output.search(/^\[/m))) as PackResult[])[0]!;
    const paths = packed.files.map((file) => file.path);
    for (const path of ['package.json', 'README.md', 'CHANGELOG.md', manifest.main, manifest.types]) {
      expect(paths).toContain(path);
    }
    expect(paths.every((path) => /^(package\.json|README\.md|CHANGELOG\.md|miniprogram_dist\/)/.test(path))).toBe(true);
    const bundle = packed.files.find((file) => file.path === manifest.main)!;
    console.log(
      `${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ` +
        `${packed.files.length} files; miniprogram_dist/index.js ${bundle.size} bytes`,
    );
    expect(packed.size).toBeLessThan(200_000);
  }, 120_000);

  it('installs offline from the tarball into the example and lands in miniprogram_npm with "构建 npm"', () => {
    copyExample(project);
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies)).toEqual([SDK_PACKAGE]);
    manifest.dependencies[SDK_PACKAGE] = `file:${join(dir, packed.filename)}`;
    delete manifest.devDependencies; // the typings come from this repository below; the tarball is the subject here
    writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
    npm(['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], project);
    expect(existsSync(join(project, 'node_modules', SDK_PACKAGE, 'miniprogram_dist/index.js'))).toBe(true);

    expect(buildNpm(project)).toEqual([join(project, 'miniprogram/miniprogram_npm', SDK_PACKAGE)]);
    const bundleFile = join(project, 'miniprogram/miniprogram_npm', SDK_PACKAGE, 'index.js');
    expect(findBaselineViolations(readFileSync(bundleFile, 'utf8'))).toEqual([]);
    const simulator = createWxSimulator();
    const { sdk } = loadMiniprogramBundle(bundleFile, simulator.wx);
    expect(typeof sdk.createChatClient({ baseUrl: 'https://example.com' }).chatStream).toBe('function');
  }, 120_000);

  it('typechecks the example against the installed package with the wx typings', () => {
    symlinkSync(
      join(ROOT, 'node_modules/miniprogram-api-typings'),
      join(project, 'node_modules/miniprogram-api-typings'),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const run = () => execFileSync(process.execPath, [tsc, '-p', join(project, 'tsconfig.json')], { encoding: 'utf8' });
    expect(run).not.toThrow();
  }, 120_000);
});
