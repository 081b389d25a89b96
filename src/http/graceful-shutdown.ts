import type { App } from '../app.ts';

const POLL_MS = 100;

/**
 * SIGTERM: stop accepting connections and new runs (retryable 503), let resumable streams move to other instances
 * (with REDIS_URL), give the runs held here `graceMs` to finish, then close: whatever still runs ends as
 * interrupted with a retryable UPSTREAM_UNAVAILABLE for its listeners.
 */
export async function shutDownGracefully(app: App, graceMs: number): Promise<void> {
  app.service.drain();
  // Fastify's close() later tolerates the listener being closed already.
  app.server.server.close();
  app.metricsServer?.close();
  const deadline = performance.now() + graceMs;
  while (app.runs.running > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  await app.server.close();
}
