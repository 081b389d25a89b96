import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, EnvSchema, loadConfig } from './env.ts';
import { FIXED_LIMITS } from './fixed-limits.ts';

const KEY1 = 'k1-0123456789abcdef';
const KEY2 = 'k2-0123456789abcdef';
const KEY3 = 'k3-0123456789abcdef';

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  return expect.fail('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('defaults', () => {
    const config = loadConfig({ API_KEYS: KEY1 });
    expect(config.port).toBe(12626);
    expect(config.host).toBe('127.0.0.1');
    expect(config.gateway.url).toBe('http://127.0.0.1:18789');
    expect(config.gateway.token).toBeUndefined();
    expect(config.tls).toBeUndefined();
    expect(config.env).toBe('development');
    expect(config.apiKeys).toEqual([KEY1]);
    expect(config.allowAnonymous).toBe(false);
    expect(config.limits).toEqual({
      maxImageBytes: 10 * 1024 * 1024,
      maxFileBytes: 5 * 1024 * 1024,
      maxImages: 8,
      maxFiles: 4,
      maxUpstreamBodyBytes: 20 * 1024 * 1024,
    });
    expect(config.graphiql).toBe(true);
    expect(config.introspection).toBe(true);
  });

  it('production turns GraphiQL and introspection off by default', () => {
    const config = loadConfig({ API_KEYS: KEY1, NODE_ENV: 'production' });
    expect(config.graphiql).toBe(false);
    expect(config.introspection).toBe(false);
  });

  it('reads explicit values', () => {
    const config = loadConfig({
      API_KEYS: KEY1,
      PORT: '8080',
      HOST: '0.0.0.0',
      OPENCLAW_GATEWAY_URL: 'https://gw.example.com/base',
      OPENCLAW_GATEWAY_TOKEN: 'tok',
      TRUST_PROXY: 'yes',
      MAX_IMAGES: '2',
    });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.gateway.url).toBe('https://gw.example.com/base');
    expect(config.gateway.token).toBe('tok');
    expect(config.trustProxy).toBe(true);
    expect(config.limits.maxImages).toBe(2);
  });

  it('merges API_KEYS (comma list, trimmed), API_KEY and OPENCLAW_API_KEY, without duplicates', () => {
    const config = loadConfig({ API_KEYS: ` ${KEY1} ,${KEY2},, `, API_KEY: KEY3, OPENCLAW_API_KEY: KEY1 });
    expect(config.apiKeys).toEqual([KEY1, KEY2, KEY3]);
  });

  it.each([
    ['API_KEY', { API_KEY: KEY1 }],
    ['OPENCLAW_API_KEY', { OPENCLAW_API_KEY: KEY1 }],
  ])('%s alone is enough', (_label, env) => {
    expect(loadConfig(env).apiKeys).toEqual([KEY1]);
  });

  it('no key and no ALLOW_ANONYMOUS → ConfigError naming API_KEYS', () => {
    const error = configError({});
    expect(error.message).toContain('API_KEYS');
    expect(error.message).toContain('ALLOW_ANONYMOUS');
  });

  it('empty strings count as unset', () => {
    expect(configError({ API_KEYS: '', API_KEY: '' }).message).toContain('API_KEYS');
    expect(loadConfig({ API_KEYS: KEY1, PORT: '' }).port).toBe(12626);
  });

  it('ALLOW_ANONYMOUS=true without keys → anonymous mode', () => {
    const config = loadConfig({ ALLOW_ANONYMOUS: 'true' });
    expect(config.apiKeys).toEqual([]);
    expect(config.allowAnonymous).toBe(true);
  });

  it.each(['abc', '70000', '-1', '80.5'])('bad PORT "%s" → ConfigError naming PORT', (port) => {
    const error = configError({ API_KEYS: KEY1, PORT: port });
    expect(error.message).toMatch(/\bPORT\b/);
  });

  it.each([
    ['API_KEYS', { API_KEYS: `${KEY1},short` }],
    ['API_KEY', { API_KEY: 'short' }],
    ['OPENCLAW_API_KEY', { OPENCLAW_API_KEY: 'fifteen-chars!!' }],
  ])('a key shorter than 16 characters is rejected, naming %s', (name, env) => {
    const error = configError(env);
    expect(error.message).toContain(`${name}:`);
    expect(error.message).toContain('16');
  });

  it('a bad gateway URL is rejected', () => {
    expect(configError({ API_KEYS: KEY1, OPENCLAW_GATEWAY_URL: 'ftp://x' }).message).toContain('OPENCLAW_GATEWAY_URL');
  });

  it('a bad boolean names its variable', () => {
    expect(configError({ ALLOW_ANONYMOUS: 'maybe' }).message).toContain('ALLOW_ANONYMOUS');
  });

  it.each([[{ TLS_CERT_FILE: '/tmp/cert.pem' }], [{ TLS_KEY_FILE: '/tmp/key.pem' }]])(
    'half-configured TLS is rejected (%o)',
    (tls) => {
      expect(configError({ API_KEYS: KEY1, ...tls }).message).toContain('TLS_CERT_FILE/TLS_KEY_FILE');
    },
  );

  it('TLS files that cannot be read → ConfigError naming the variable', () => {
    const error = configError({
      API_KEYS: KEY1,
      TLS_CERT_FILE: '/nonexistent/cert.pem',
      TLS_KEY_FILE: '/nonexistent/key.pem',
    });
    expect(error.message).toContain('TLS_CERT_FILE');
  });

  it('TLS with both files reads them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'env-test-'));
    writeFileSync(join(dir, 'cert.pem'), 'CERT');
    writeFileSync(join(dir, 'key.pem'), 'KEY');
    const config = loadConfig({
      API_KEYS: KEY1,
      TLS_CERT_FILE: join(dir, 'cert.pem'),
      TLS_KEY_FILE: join(dir, 'key.pem'),
    });
    expect(config.tls?.cert.toString()).toBe('CERT');
    expect(config.tls?.key.toString()).toBe('KEY');
  });

  it('refuses an SSE event cap at or below the answer cap, naming the variable', () => {
    const message = configError({
      API_KEYS: KEY1,
      UPSTREAM_MAX_ANSWER_BYTES: '2048',
      UPSTREAM_MAX_SSE_EVENT_BYTES: '2048',
    }).message;
    expect(message).toContain('UPSTREAM_MAX_SSE_EVENT_BYTES');
  });

  it('moderation is off by default; the AI label and WeChat API base have defaults', () => {
    const config = loadConfig({ API_KEYS: KEY1 });
    expect(config.moderation).toEqual({
      provider: 'off',
      scene: 2,
      review: 'allow',
      fail: { input: 'closed', output: 'open' },
      streamChars: 500,
    });
    expect(config.aiLabelText).toBe('内容由AI生成');
    expect(config.wechat).toBeUndefined();
  });

  it('MODERATION=wechat refuses to start without WECHAT_APPID and WECHAT_SECRET', () => {
    expect(configError({ API_KEYS: KEY1, MODERATION: 'wechat' }).message).toContain('WECHAT_APPID/WECHAT_SECRET');
    expect(configError({ API_KEYS: KEY1, MODERATION: 'wechat', WECHAT_APPID: 'wx1' }).message).toContain(
      'WECHAT_SECRET',
    );
    const config = loadConfig({
      API_KEYS: KEY1,
      MODERATION: 'wechat',
      WECHAT_APPID: 'wx1',
      WECHAT_SECRET: 'secret-123',
      AUTH_SECRET: 'a'.repeat(32),
    });
    expect(config.moderation.provider).toBe('wechat');
    expect(config.wechat).toMatchObject({
      appId: 'wx1',
      secret: 'secret-123',
      apiBase: 'https://api.weixin.qq.com',
      timeoutMs: 5000,
    });
  });

  it('MODERATION_FAIL, when set, applies to both directions; bad moderation values name their variable', () => {
    expect(loadConfig({ API_KEYS: KEY1, MODERATION_FAIL: 'open' }).moderation.fail).toEqual({
      input: 'open',
      output: 'open',
    });
    expect(loadConfig({ API_KEYS: KEY1, MODERATION_FAIL: 'closed' }).moderation.fail).toEqual({
      input: 'closed',
      output: 'closed',
    });
    expect(configError({ API_KEYS: KEY1, MODERATION: 'azure' }).message).toContain('MODERATION:');
    expect(configError({ API_KEYS: KEY1, MODERATION_SCENE: '5' }).message).toContain('MODERATION_SCENE');
    expect(configError({ API_KEYS: KEY1, MODERATION_STREAM_CHARS: '3000' }).message).toContain(
      'MODERATION_STREAM_CHARS',
    );
  });

  it('does not read process.env when a source is given', () => {
    expect(configError({ PORT: '1' }).message).toContain('API_KEYS');
  });
});

function leaves(value: unknown): number[] {
  return typeof value === 'number' ? [value] : Object.values(value as object).flatMap(leaves);
}

describe('README', () => {
  it('lists every fixed limit with its value', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Fixed limits'), readme.indexOf('## API'));
    for (const value of leaves(FIXED_LIMITS)) expect(section).toContain(`\`${value}\``);
  });

  it('documents every environment variable with its default', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const firstCells = [...readme.matchAll(/^\| (`[A-Z_]+`[^|]*)\|/gm)].map((m) => m[1]!);
    const documented = new Set(firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1])));
    for (const key of Object.keys(EnvSchema.shape)) expect(documented, key).toContain(key);
  });
});
