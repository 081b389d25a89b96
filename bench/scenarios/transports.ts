/**
 * Scenario: the two gateway transports side by side, each server in front of its own fake (HTTP SSE, or the
 * WebSocket protocol). First-delta latency: request sent → first content chunk on /api/chat (median, p90 over N
 * short turns). Per-delta relay: a FAKE_DELTAS_<n> stream's time and server CPU divided by n.
 */
import { makePool, median, round } from '../load.ts';
import { cpuMicros, type Proc } from '../processes.ts';
import { restStreamBody, SERVER_HEADERS } from '../requests.ts';

export interface TransportResult {
  transport: 'http' | 'ws';
  firstDeltaMedianMs: number;
  firstDeltaP90Ms: number;
  turns: number;
  deltas: number;
  relayUsPerDelta: number;
  serverCpuUsPerDelta: number;
}

const CONTENT = '"delta":{"content":';

async function stream(server: Proc, text: string) {
  const pool = makePool(server.url, 1);
  try {
    const begin = process.hrtime.bigint();
    const res = await pool.request({
      method: 'POST',
      path: '/api/chat',
      headers: SERVER_HEADERS,
      body: restStreamBody(text),
      signal: AbortSignal.timeout(60_000),
    });
    if (res.statusCode !== 200) throw new Error(`/api/chat: HTTP ${res.statusCode}`);
    let firstMs: number | undefined;
    let body = '';
    for await (const chunk of res.body) {
      body += (chunk as Buffer).toString('utf8');
      if (firstMs === undefined && body.includes(CONTENT)) firstMs = Number(process.hrtime.bigint() - begin) / 1e6;
    }
    const totalMs = Number(process.hrtime.bigint() - begin) / 1e6;
    if (!body.includes('[DONE]')) throw new Error('stream ended without [DONE]');
    return { firstMs: firstMs ?? totalMs, totalMs };
  } finally {
    await pool.close();
  }
}

export async function runTransport(
  transport: 'http' | 'ws',
  server: Proc,
  options: { turns: number; deltas: number },
): Promise<TransportResult> {
  await stream(server, 'warm up');
  const first: number[] = [];
  for (let i = 0; i < options.turns; i++) first.push((await stream(server, `first delta ${i}`)).firstMs);
  await stream(server, `FAKE_DELTAS_${options.deltas}`);
  const cpuBefore = cpuMicros(server.pid);
  const relay = await stream(server, `FAKE_DELTAS_${options.deltas}`);
  const cpu = cpuMicros(server.pid) - cpuBefore;
  const sorted = [...first].sort((a, b) => a - b);
  return {
    transport,
    firstDeltaMedianMs: round(median(first), 2),
    firstDeltaP90Ms: round(sorted[Math.floor(sorted.length * 0.9)] ?? 0, 2),
    turns: first.length,
    deltas: options.deltas,
    relayUsPerDelta: round((relay.totalMs * 1000) / options.deltas, 1),
    serverCpuUsPerDelta: round(cpu / options.deltas, 1),
  };
}
