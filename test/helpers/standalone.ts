/** What `node test/fake-*\/main.ts` runs: a started fake announced on stdout, closed on SIGINT/SIGTERM. */
export function serveStandalone(gateway: { url: string; close(): Promise<void> }, variable = 'FAKE_GATEWAY_URL'): void {
  process.stdout.write(`${variable}=${gateway.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
