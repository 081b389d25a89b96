import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Config } from '../config/env.ts';

/** One log line per request (at completion, with status and time), not two. */
class CompletionLogs extends LogController {
  override incomingRequest(): void {}
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The Fastify instance: logging (credentials redacted), body limit, proxy trust, TLS, request ids. */
export function createServer(config: Config): FastifyInstance {
  return Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
    },
    bodyLimit: config.bodyLimitBytes,
    // Node's own ceiling on receiving a request (headers and body); registerBodyTimeouts answers first, typed.
    requestTimeout: config.bodyTimeouts.totalMs + 60_000,
    trustProxy: config.trustProxy,
    logController: new CompletionLogs(),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ...(config.tls ? { https: config.tls } : {}),
  }) as unknown as FastifyInstance;
}
