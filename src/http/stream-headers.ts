import type { FastifyInstance } from 'fastify';

/** What every event stream needs to reach a phone through nginx and WeChat unbuffered and uncompressed. */
export const NO_PROXY_BUFFERING = {
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
} as const;

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  connection: 'keep-alive',
  ...NO_PROXY_BUFFERING,
} as const;

/**
 * The one place the anti-buffering headers are set on streams the libraries write (yoga's and tRPC's SSE): by
 * what is actually sent, whatever the request asked for. REST's hijacked writer sends SSE_HEADERS itself.
 */
export function registerStreamHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    const type =
      reply.getHeader('content-type') ??
      (payload instanceof Response ? payload.headers.get('content-type') : undefined);
    if (typeof type === 'string' && type.startsWith('text/event-stream')) reply.headers(NO_PROXY_BUFFERING);
    return payload;
  });
}
