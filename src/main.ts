import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config/env.ts';
import { WsChatGateway } from './gateway/ws/transport.ts';
import { shutDownGracefully } from './http/graceful-shutdown.ts';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const app = await buildApp(config);
  const { server, gateway } = app;
  if (gateway instanceof WsChatGateway) {
    try {
      // A missing scope or a rejected token cannot heal by waiting: say so now. Pairing is reported by /readyz.
      await gateway.connection.started(config.gateway.connectTimeoutMs);
    } catch (error) {
      console.error(`Cannot use the gateway's WebSocket protocol: ${(error as Error).message}`);
      process.exit(1);
    }
  }
  if (config.allowAnonymous) server.log.warn('ALLOW_ANONYMOUS=true: every request is accepted without an API key');
  if (!config.gateway.token) server.log.warn('OPENCLAW_GATEWAY_TOKEN is not set: gateway calls carry no credentials');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    server.log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
    const force = setTimeout(() => process.exit(1), config.shutdownGraceMs + 10_000);
    force.unref();
    shutDownGracefully(app, config.shutdownGraceMs).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));

  await server.listen({ host: config.host, port: config.port });
}

await main();
