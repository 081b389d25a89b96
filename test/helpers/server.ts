import type { App, AppOptions } from '../../src/app.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import { type FakeGateway, type FakeGatewayOptions, startFakeGateway } from '../fake-gateway/fake-gateway.ts';
import { type FakeWechat, type FakeWechatOptions, startFakeWechat } from '../fake-wechat/fake-wechat.ts';

export const TEST_API_KEY = 'test-key-0123456789abcdef';
export const OTHER_API_KEY = 'other-key-0123456789abcdef';
export const TEST_AUTH_SECRET = 'test-auth-secret-0123456789abcdef-0123456789';

export interface TestServer {
  baseUrl: string;
  apiKey: string;
  gateway: FakeGateway;
  /** With `wechat`: the fake WeChat API the server signs users in against. */
  wechat: FakeWechat | undefined;
  app: App;
  close(): Promise<void>;
}

export interface TestServerOptions {
  apiKeys?: string[];
  /** Extra env, e.g. { HEARTBEAT_MS: '200' }. */
  env?: Record<string, string>;
  gateway?: FakeGatewayOptions;
  /** Point the server at this URL instead of the fake (e.g. a closed port). */
  gatewayUrl?: string;
  /**
   * WeChat sign-in against a fresh fake WeChat API (WECHAT_APPID, WECHAT_SECRET, WECHAT_API_BASE, AUTH_SECRET set;
   * `env` still overrides, e.g. ACCESS_POLICY). Pass `apiKeys: []` for a server with sign-in only.
   */
  wechat?: boolean | FakeWechatOptions;
  app?: AppOptions;
}

/** The real server (every surface) on a random loopback port, in front of a fresh fake gateway. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const gateway = await startFakeGateway({ token: 'fake-token', ...options.gateway });
  const wechat = options.wechat ? await startFakeWechat(options.wechat === true ? {} : options.wechat) : undefined;
  const apiKeys = options.apiKeys ?? [TEST_API_KEY, OTHER_API_KEY];
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    API_KEYS: apiKeys.join(','),
    ALLOW_ANONYMOUS: apiKeys.length === 0 && !wechat ? 'true' : 'false',
    // Tests send many turns a minute; the limits suite sets its own.
    RATE_LIMIT_PER_MINUTE: '100000',
    ...(wechat
      ? {
          WECHAT_APPID: wechat.appId,
          WECHAT_SECRET: wechat.secret,
          WECHAT_API_BASE: wechat.url,
          AUTH_SECRET: TEST_AUTH_SECRET,
          AUTH_RATE_LIMIT_PER_MINUTE: '100000',
        }
      : {}),
    OPENCLAW_GATEWAY_URL: options.gatewayUrl ?? gateway.url,
    OPENCLAW_GATEWAY_TOKEN: 'fake-token',
    // The fake speaks HTTP; ws tests use startWsTestServer (test/helpers/ws-server.ts).
    OPENCLAW_TRANSPORT: 'http',
    PORT: '0',
    DATABASE_URL: 'sqlite::memory:',
    ...options.env,
  });
  const app = await buildApp(config, undefined, options.app);
  const address = await app.server.listen({ host: '127.0.0.1', port: 0 });
  return {
    baseUrl: address,
    apiKey: apiKeys[0] ?? '',
    gateway,
    wechat,
    app,
    async close() {
      await app.server.close();
      await gateway.close();
      await wechat?.close();
    },
  };
}
