import type { App } from '../../src/app.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import {
  type FakeWsGateway,
  type FakeWsGatewayOptions,
  startFakeWsGateway,
} from '../fake-gateway-ws/fake-ws-gateway.ts';
import { OTHER_API_KEY, TEST_API_KEY } from './server.ts';

export interface WsTestServer {
  baseUrl: string;
  apiKey: string;
  gateway: FakeWsGateway;
  app: App;
  close(): Promise<void>;
}

/** The real server over the ws transport, in front of a fresh fake WebSocket gateway. */
export async function startWsTestServer(
  options: { gateway?: FakeWsGatewayOptions; env?: Record<string, string> } = {},
): Promise<WsTestServer> {
  const gateway = await startFakeWsGateway({ token: 'fake-token', ...options.gateway });
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    API_KEYS: [TEST_API_KEY, OTHER_API_KEY].join(','),
    // Tests send many turns a minute; test/limits covers the limit.
    RATE_LIMIT_PER_MINUTE: '100000',
    OPENCLAW_GATEWAY_URL: gateway.url,
    OPENCLAW_GATEWAY_TOKEN: 'fake-token',
    OPENCLAW_TRANSPORT: 'ws',
    OPENCLAW_WS_REQUEST_TIMEOUT_MS: '5000',
    DATABASE_URL: 'sqlite::memory:',
    PORT: '0',
    ...options.env,
  });
  const app = await buildApp(config);
  const baseUrl = await app.server.listen({ host: '127.0.0.1', port: 0 });
  return {
    baseUrl,
    apiKey: TEST_API_KEY,
    gateway,
    app,
    async close() {
      await app.server.close();
      await gateway.close();
    },
  };
}
