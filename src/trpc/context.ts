import type { IncomingHttpHeaders } from 'node:http';
import type { ChatService } from '../chat/service.ts';
import type { Authenticate } from '../http/auth.ts';

export interface TrpcContext {
  headers: IncomingHttpHeaders;
  service: ChatService;
  authenticate: Authenticate;
}

export function createContextFactory(service: ChatService, authenticate: Authenticate) {
  return ({ req }: { req: { headers: IncomingHttpHeaders } }): TrpcContext => ({
    headers: req.headers,
    service,
    authenticate,
  });
}
