import type { FastifyInstance } from 'fastify';
import type { ReadyState } from '../gateway/client.ts';

export interface HealthOptions {
  probe: (signal: AbortSignal) => Promise<ReadyState>;
  probeTimeoutMs: number;
  /** How long a probe's answer is reused; concurrent checks always share the one in flight. */
  cacheMs?: number;
}

/**
 * `/readyz` needs no key, so its callers must not decide how often the gateway is called: one probe at a time,
 * its answer reused for `cacheMs`. The probe has its own timeout, not tied to whichever request started it.
 */
export function sharedProbe(options: HealthOptions): () => Promise<ReadyState> {
  const cacheMs = options.cacheMs ?? 0;
  let inFlight: Promise<ReadyState> | undefined;
  let cached: { state: ReadyState; until: number } | undefined;
  return () => {
    if (cached && performance.now() < cached.until) return Promise.resolve(cached.state);
    inFlight ??= options
      .probe(AbortSignal.timeout(options.probeTimeoutMs))
      .catch((): ReadyState => ({ ready: false, reason: 'gateway unreachable' }))
      .then((state) => {
        cached = { state, until: performance.now() + cacheMs };
        inFlight = undefined;
        return state;
      });
    return inFlight;
  };
}

/** `/healthz`: the process serves (no auth, no gateway call). `/readyz`: the gateway answers our token. */
export function registerHealth(app: FastifyInstance, options: HealthOptions): void {
  const probe = sharedProbe(options);
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    const state = await probe();
    if (state.ready) return { ready: true };
    return reply.code(503).send({ ready: false, reason: state.reason });
  });
}
