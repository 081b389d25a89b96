/** Scenario 1: server CPU time (utime+stime from /proc) per proxied non-streaming request, per surface. */
import { checkedPost, makePool, percentile, round, runLoad } from '../load.ts';
import { cpuMicros, memStatus, type Proc } from '../processes.ts';
import { SERVER_HEADERS, SURFACES, type SurfaceName } from '../requests.ts';

export interface CpuOptions {
  server: Proc;
  fake: Proc;
  warmup: number;
  requests: number;
  concurrency: number;
  maxMs: number;
}

export interface SurfaceCpu {
  surface: SurfaceName;
  label: string;
  requests: number;
  errors: number;
  firstError: string | undefined;
  serverCpuUsPerRequest: number;
  fakeCpuUsPerRequest: number;
  ratioToRest: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface CpuResult {
  concurrency: number;
  warmupPerSurface: number;
  surfaces: SurfaceCpu[];
  serverRssAfterMb: number;
}

export async function runCpu(options: CpuOptions): Promise<CpuResult> {
  const pool = makePool(options.server.url, options.concurrency);
  try {
    // Warm every surface first (JIT, lazy module paths), then measure each in turn.
    for (const surface of SURFACES) {
      const warm = await runLoad({
        total: options.warmup,
        concurrency: options.concurrency,
        maxMs: options.maxMs,
        task: checkedPost(pool, surface.path, SERVER_HEADERS, surface.body, surface.expect),
      });
      if (warm.completed === 0) throw new Error(`${surface.label} warm-up failed: ${warm.firstError}`);
    }
    const surfaces: SurfaceCpu[] = [];
    for (const surface of SURFACES) {
      const serverBefore = cpuMicros(options.server.pid);
      const fakeBefore = cpuMicros(options.fake.pid);
      const load = await runLoad({
        total: options.requests,
        concurrency: options.concurrency,
        maxMs: options.maxMs,
        task: checkedPost(pool, surface.path, SERVER_HEADERS, surface.body, surface.expect),
      });
      const serverCpu = cpuMicros(options.server.pid) - serverBefore;
      const fakeCpu = cpuMicros(options.fake.pid) - fakeBefore;
      const n = Math.max(1, load.requested);
      surfaces.push({
        surface: surface.name,
        label: surface.label,
        requests: load.completed,
        errors: load.errors,
        firstError: load.firstError,
        serverCpuUsPerRequest: round(serverCpu / n),
        fakeCpuUsPerRequest: round(fakeCpu / n),
        ratioToRest: 1,
        requestsPerSecond: round(load.completed / (load.elapsedMs / 1000), 0),
        p50Ms: round(percentile(load.latenciesUs, 50) / 1000, 3),
        p99Ms: round(percentile(load.latenciesUs, 99) / 1000, 3),
      });
    }
    const rest = surfaces.find((s) => s.surface === 'rest')!.serverCpuUsPerRequest;
    for (const s of surfaces) s.ratioToRest = round(s.serverCpuUsPerRequest / rest, 2);
    return {
      concurrency: options.concurrency,
      warmupPerSurface: options.warmup,
      surfaces,
      serverRssAfterMb: round(memStatus(options.server.pid).rssKb / 1024),
    };
  } finally {
    await pool.close();
  }
}
