import type { App, AppOptions } from '../../src/app.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import { type FakeGateway, type FakeGatewayOptions, startFakeGateway } from '../fake-gateway/fake-gateway.ts';

export const TEST_API_KEY = 'test-key-0123456789abcdef';
export const OTHER_API_KEY = 'other-key-0123456789abcdef';

export interface TestServer {
  baseUrl: string;
  apiKey: string;
  gateway: FakeGateway;
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
  app?: AppOptions;
}

/** The real server (every surface) on a random loopback port, in front of a fresh fake gateway. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const gateway = await startFakeGateway({ token: 'fake-token', ...options.gateway });
  const apiKeys = options.apiKeys ?? [TEST_API_KEY, OTHER_API_KEY];
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    API_KEYS: apiKeys.join(','),
    ALLOW_ANONYMOUS: apiKeys.length === 0 ? 'true' : 'false',
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
    app,
    async close() {
      await app.server.close();
      await gateway.close();
    },
  };
}
