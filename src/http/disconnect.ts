import type { FastifyReply } from 'fastify';

/** Aborts when the client goes away before its answer was written: a single call's run is then cancelled. */
export function disconnectSignal(reply: FastifyReply): AbortSignal {
  const disconnect = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) disconnect.abort();
  });
  return disconnect.signal;
}
