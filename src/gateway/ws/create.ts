import type { Config } from '../../config/env.ts';
import { isLoopbackUrl } from '../../config/env.ts';
import { FIXED_LIMITS } from '../../config/fixed-limits.ts';
import { WsConnection } from './connection.ts';
import { deviceHostDeps, loadOrCreateDeviceIdentity } from './device-identity.ts';
import { WsChatGateway } from './transport.ts';

export interface WsGatewayLog {
  warn(fields: Record<string, unknown>, message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** The ws transport for `config`: the token alone on loopback, a persistent paired device identity elsewhere. */
export function createWsGateway(config: Config, log?: WsGatewayLog): WsChatGateway {
  const { gateway } = config;
  const paired = !isLoopbackUrl(gateway.url);
  const connection = new WsConnection({
    url: gateway.url,
    token: gateway.token,
    requestTimeoutMs: gateway.wsRequestTimeoutMs,
    ...(paired
      ? {
          deviceIdentity: loadOrCreateDeviceIdentity(gateway.deviceIdentityFile),
          hostDeps: deviceHostDeps(gateway.deviceIdentityFile),
        }
      : {}),
    log,
  });
  connection.start();
  return new WsChatGateway({
    connection,
    requestTimeoutMs: gateway.wsRequestTimeoutMs,
    recoveryTimeoutMs: gateway.wsRecoveryTimeoutMs,
    maxAnswerBytes: gateway.maxAnswerBytes,
    media: {
      gatewayUrl: gateway.url,
      token: gateway.token,
      maxBytes: gateway.media.maxBytes,
      timeoutMs: gateway.media.timeoutMs,
      waitMs: gateway.media.waitMs,
      maxCount: FIXED_LIMITS.generatedMediaPerRun,
    },
    log,
  });
}
