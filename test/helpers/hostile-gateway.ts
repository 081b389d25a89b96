/**
 * A gateway stand-in whose every answer is scripted by the test: for the abuse suite, where the upstream itself is
 * the attacker (huge, endless, malformed or never-ending answers). Records what it received, like the fake gateway.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type HostileHandler = (request: IncomingMessage, response: ServerResponse, body: Buffer) => void | Promise<void>;

export interface HostileGateway {
  url: string;
  /** Requests received so far (path and bytes). */
  received: Array<{ path: string; bytes: number }>;
  /** Replaces the behaviour for the next requests. */
  answer(handler: HostileHandler): void;
  close(): Promise<void>;
}

export async function startHostileGateway(handler: HostileHandler): Promise<HostileGateway> {
  let current = handler;
  const received: HostileGateway['received'] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ path: request.url ?? '', bytes: body.length });
      Promise.resolve(current(request, response, body)).catch(() => response.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer(next) {
      current = next;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
