import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../contract/errors.ts';

export interface BodyTimeoutOptions {
  /** Longest silence between two chunks of a request body. */
  idleMs: number;
  /** Longest time to receive a whole request body, however steadily it trickles. */
  totalMs: number;
}

interface Upload {
  reply: FastifyReply;
  source: Readable;
  guard: PassThrough;
  idle: NodeJS.Timeout;
  total: NodeJS.Timeout;
}

/**
 * Drops a request body that stalls or trickles, with a typed 408, by wrapping the payload stream before any
 * parser reads it (every surface: REST, GraphQL, tRPC). Only the receiving of the body is timed: once it has
 * arrived, a call may wait for the agent as long as the run allows. Shutdown ends uploads still in flight.
 */
export function registerBodyTimeouts(app: FastifyInstance, options: BodyTimeoutOptions): void {
  const uploads = new Set<Upload>();
  const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

  const stop = (upload: Upload, error: AppError | undefined) => {
    clearTimeout(upload.idle);
    clearTimeout(upload.total);
    uploads.delete(upload);
    if (!error) return;
    // Stop reading the rest, and close the connection once the error is written.
    upload.source.unpipe(upload.guard);
    upload.source.pause();
    upload.reply.header('connection', 'close');
    upload.guard.destroy(error);
  };

  app.addHook('preParsing', async (request, reply, payload) => {
    // No body to receive (GET, a websocket upgrade): nothing to time.
    const headers = request.headers;
    if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) return payload;
    // Already received whole (most small calls arrive with their headers): nothing left to time, nothing to wrap.
    if ((payload as Partial<IncomingMessage>).complete === true) return payload;
    const guard = new PassThrough();
    // The parser listens for the error it reports; this keeps one nobody reads from crashing the process.
    guard.on('error', () => {});
    const upload: Upload = {
      reply,
      source: payload,
      guard,
      idle: setTimeout(
        () =>
          stop(
            upload,
            new AppError(
              'INVALID_INPUT',
              `The request body stalled (nothing received for ${seconds(options.idleMs)}); check the network and send it again.`,
              { status: 408 },
            ),
          ),
        options.idleMs,
      ),
      total: setTimeout(
        () =>
          stop(
            upload,
            new AppError(
              'INVALID_INPUT',
              `The request body took longer than ${seconds(options.totalMs)} to arrive; send smaller attachments or retry on a better network.`,
              { status: 408 },
            ),
          ),
        options.totalMs,
      ),
    };
    uploads.add(upload);
    payload.on('data', () => upload.idle.refresh());
    payload.once('end', () => stop(upload, undefined));
    payload.once('close', () => stop(upload, undefined));
    payload.once('error', (error) => guard.destroy(error));
    payload.pipe(guard);
    return guard;
  });

  app.addHook('preClose', async () => {
    const restarting = new AppError(
      'UPSTREAM_UNAVAILABLE',
      'The server is restarting; send the request again in a moment.',
    );
    for (const upload of uploads) stop(upload, restarting);
  });
}
