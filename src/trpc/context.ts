import type { IncomingHttpHeaders } from 'node:http';
import type { ChatService, RunLog } from '../chat/service.ts';
import type { Authenticate } from '../http/auth.ts';

export interface TrpcContext {
  headers: IncomingHttpHeaders;
  service: ChatService;
  authenticate: Authenticate;
  /** The request's logger: every line carries its request id. */
  log: RunLog;
}

export function createContextFactory(service: ChatService, authenticate: Authenticate) {
  return ({ req }: { req: { headers: IncomingHttpHeaders; log: RunLog } }): TrpcContext => ({
    headers: req.headers,
    service,
    authenticate,
    log: req.log,
  });
}
