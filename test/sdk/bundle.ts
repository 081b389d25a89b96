import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildResult, buildMiniprogramSdk } from '../../sdk/build.ts';

let built: Promise<BuildResult> | undefined;

/** Builds the mini-program bundle once per test worker, into a private directory (test files run in parallel). */
export function buildBundleForTests(): Promise<BuildResult> {
  built ??= buildMiniprogramSdk(mkdtempSync(join(tmpdir(), 'sdk-bundle-')), { declarations: false });
  return built;
}
