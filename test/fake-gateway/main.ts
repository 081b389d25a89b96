/**
 * Standalone fake OpenClaw gateway: `node test/fake-gateway/main.ts`.
 * Env: FAKE_GATEWAY_PORT (default 18790), FAKE_GATEWAY_TOKEN (default 'fake-token'),
 * FAKE_GATEWAY_HOST (default 127.0.0.1), FAKE_GATEWAY_DELTA_DELAY_MS (default 0).
 * Prints one line `FAKE_GATEWAY_URL=http://127.0.0.1:PORT` once listening.
 */

import { serveStandalone } from '../helpers/standalone.ts';
import { startFakeGateway } from './fake-gateway.ts';

const gateway = await startFakeGateway({
  port: Number(process.env.FAKE_GATEWAY_PORT ?? 18790),
  token: process.env.FAKE_GATEWAY_TOKEN || 'fake-token',
  host: process.env.FAKE_GATEWAY_HOST || '127.0.0.1',
  deltaDelayMs: Number(process.env.FAKE_GATEWAY_DELTA_DELAY_MS ?? 0),
});
serveStandalone(gateway);
