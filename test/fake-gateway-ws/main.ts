/**
 * Standalone fake of the gateway's WebSocket protocol: `node test/fake-gateway-ws/main.ts` (the bench's ws gateway).
 * Env: FAKE_GATEWAY_PORT (default 0: any), FAKE_GATEWAY_TOKEN (default 'fake-token').
 * Prints one line `FAKE_GATEWAY_URL=http://127.0.0.1:PORT` once listening.
 */

import { serveStandalone } from '../helpers/standalone.ts';
import { startFakeWsGateway } from './fake-ws-gateway.ts';

const gateway = await startFakeWsGateway({
  port: Number(process.env.FAKE_GATEWAY_PORT ?? 0),
  token: process.env.FAKE_GATEWAY_TOKEN || 'fake-token',
});
serveStandalone(gateway);
