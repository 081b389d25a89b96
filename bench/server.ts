/**
 * The bench's server entry: what `npm start` runs (the built app from dist/, same Node flags, configuration from
 * the environment, graceful close on SIGTERM) plus the libraries' floors (bench/floors.ts) on the same Fastify,
 * so one process serves both sides of the overhead comparison. Production never mounts the floors.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerFloors } from './floors.ts';

const ROOT = join(import.meta.dirname, '..');
const built = (path: string) => import(pathToFileURL(join(ROOT, 'dist', 'src', path)).href);

const { loadConfig } = (await built('config/env.js')) as typeof import('../src/config/env.ts');
const { buildApp } = (await built('app.js')) as typeof import('../src/app.ts');
const { SendChatInput } = (await built('contract/chat.js')) as typeof import('../src/contract/chat.ts');

const config = loadConfig();
const { server, service } = await buildApp(config);
await registerFloors(server, { service, sendChatInput: SendChatInput });

let closing = false;
const shutdown = () => {
  if (closing) return;
  closing = true;
  setTimeout(() => process.exit(1), 10_000).unref();
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

await server.listen({ host: config.host, port: config.port });
