import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

function boot(env: Record<string, string>) {
  return spawnSync(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 15_000,
  });
}

/** The process itself (not just loadConfig) refuses a bad configuration, naming the variable. */
describe('booting src/main.ts', () => {
  it('exits 1 naming PORT when it is not a number', () => {
    const result = boot({ API_KEYS: 'boot-key-0123456789abcdef', PORT: 'eighty' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/PORT/);
  });

  it('refuses to start without an API key unless ALLOW_ANONYMOUS=true', () => {
    const result = boot({ PORT: '0' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/API_KEYS.*ALLOW_ANONYMOUS=true/);
  });
});
