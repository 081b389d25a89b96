import type { FastifyInstance } from 'fastify';
import type { ReadyState } from '../gateway/client.ts';

export interface HealthOptions {
  probe: (signal: AbortSignal) => Promise<ReadyState>;
  probeTimeoutMs: number;
}

/** `/healthz`: the process serves (no auth, no gateway call). `/readyz`: the gateway answers our token. */
export function registerHealth(app: FastifyInstance, options: HealthOptions): void {
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    const state = await options.probe(AbortSignal.timeout(options.probeTimeoutMs));
    if (state.ready) return { ready: true };
    return reply.code(503).send({ ready: false, reason: state.reason });
  });
}
