import type { FastifyBaseLogger } from 'fastify';
import type { ChatGateway } from '../chat/service.ts';
import type { Config } from '../config/env.ts';
import type { AttachmentLimits } from '../contract/limits.ts';
import { GatewayClient, type ReadyState } from './client.ts';
import { createWsGateway } from './ws/create.ts';
import { effectiveLimits } from './ws/limits.ts';

export interface AppGateway extends ChatGateway {
  probe(signal: AbortSignal): Promise<ReadyState>;
  close(): Promise<void>;
}

/** The configured transport to OpenClaw (OPENCLAW_TRANSPORT). */
export function openGateway(config: Config, log: FastifyBaseLogger): AppGateway {
  return config.gateway.transport === 'ws'
    ? createWsGateway(config, log)
    : new GatewayClient({ ...config.gateway, runTimeoutMs: config.runTimeoutMs });
}

/** The active transport's effective limits: what validation enforces and what the `limits` query reports. */
export function gatewayLimits(config: Config): AttachmentLimits {
  return config.gateway.transport === 'ws' ? effectiveLimits(config.limits) : config.limits;
}
