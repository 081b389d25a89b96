import type { FastifyInstance } from 'fastify';

export interface LifecycleOptions {
  /** Draining (SIGTERM): the proxy drops each connection after its answer and sends the next request elsewhere. */
  draining: () => boolean;
  /** Before connections close: what must stop first (runs, the journal's status of cut runs). */
  stopping: () => void;
  /** Once closed, in order: what the app opened. */
  closers: ReadonlyArray<() => unknown>;
}

/** Request ids echoed on every answer, `connection: close` while draining, and the app's orderly close. */
export function registerLifecycle(server: FastifyInstance, options: LifecycleOptions): void {
  server.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (options.draining()) reply.header('connection', 'close');
  });
  server.addHook('preClose', async () => options.stopping());
  server.addHook('onClose', async () => {
    for (const close of options.closers) await close();
  });
}
