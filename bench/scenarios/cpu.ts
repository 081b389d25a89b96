/**
 * Scenario 1: server CPU time (utime+stime from /proc) per proxied non-streaming request, per surface.
 *
 * Load generator, fake and server share a small machine, so one block of requests is a noisy sample. Every
 * surface (the libraries' floors included) is warmed first until its CPU per request stops falling (JIT), then
 * measured in `rounds` rounds of one block per surface, in rotating order (round r starts with surface r), and each
 * surface's figure is the median over its blocks, with min–max. A surface's overhead over its floor is the median
 * of the same-round differences (each surface runs next to its floor, see SURFACES).
 */
import { checkedPost, makePool, median, percentile, range, rotate, round, runLoad } from '../load.ts';
import { cpuMicros, memStatus, type Proc, sleep } from '../processes.ts';
import { SERVER_HEADERS, SURFACES, type SurfaceName } from '../requests.ts';

export interface CpuOptions {
  server: Proc;
  fake: Proc;
  /**
   * Warm-up, not measured: rounds of `chunk` requests per surface (rotating order) until every surface's CPU per
   * request stopped improving (see warmedUp), at least `min` and at most `max` requests per surface.
   */
  warmup: { chunk: number; min: number; max: number };
  rounds: number;
  /** Requests per block (one block = one surface in one round). */
  requests: number;
  concurrency: number;
  /** For the whole scenario; rounds that would start later are skipped (and the result says so). */
  maxMs: number;
}

export interface CpuBlock {
  round: number;
  /** 0-based position inside its round. */
  position: number;
  surface: SurfaceName;
  requests: number;
  errors: number;
  serverCpuUsPerRequest: number;
  fakeCpuUsPerRequest: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Server VmRSS right after the block. */
  serverRssMb: number;
}

export interface SurfaceCpu {
  surface: SurfaceName;
  label: string;
  blocks: number;
  /** Completed requests over all measured blocks. */
  requests: number;
  errors: number;
  firstError: string | undefined;
  /** Median over blocks. */
  serverCpuUsPerRequest: number;
  serverCpuUsMin: number;
  serverCpuUsMax: number;
  perBlockServerCpuUs: number[];
  fakeCpuUsPerRequest: number;
  /** The library's floor this surface is compared with (see bench/floors.ts). */
  floor: SurfaceName | undefined;
  /**
   * Our overhead, µs per request (undefined without a floor): the median over rounds of this surface's block minus
   * its floor's block in the same round. Pairing blocks that ran seconds apart cancels most of the drift that other
   * load on a shared machine puts on both.
   */
  overheadUs: number | undefined;
  /** Same-round differences to the floor, min and max (how stable the overhead is). */
  roundOverheadMinUs: number | undefined;
  roundOverheadMaxUs: number | undefined;
  /** Medians over blocks. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU per request of each warm-up chunk, in order. */
  warmupCpuUs: number[];
}

export interface CpuResult {
  concurrency: number;
  warmupPerSurface: number;
  /** false: the warm-up hit its maximum while some surface was still getting cheaper. */
  warmupStable: boolean;
  roundsPlanned: number;
  rounds: number;
  requestsPerBlock: number;
  surfaces: SurfaceCpu[];
  blocks: CpuBlock[];
  serverRssAfterWarmupMb: number;
  /** Server VmRSS after each round. */
  serverRssAfterRoundMb: number[];
  serverRssAfterMb: number;
}

/** Pause after each block before reading /proc, so a block's trailing work (GC, socket close) is its own. */
const SETTLE_MS = 100;

/**
 * Warmed up when the level stopped falling: the mean of the last two chunks is at least 93% of the mean of the
 * two before. (Comparing pairs, not single chunks, keeps one noisy chunk from ending or prolonging the warm-up.)
 */
export function warmedUp(chunks: readonly number[]): boolean {
  if (chunks.length < 4) return false;
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return mean(chunks.slice(-2)) >= 0.93 * mean(chunks.slice(-4, -2));
}

export async function runCpu(options: CpuOptions): Promise<CpuResult> {
  const pool = makePool(options.server.url, options.concurrency);
  const deadline = Date.now() + options.maxMs;
  const tasks = new Map(
    SURFACES.map((s) => [s.name, checkedPost(pool, s.path, SERVER_HEADERS, s.body, s.expect)] as const),
  );
  const firstErrors = new Map<SurfaceName, string>();
  const { concurrency } = options;
  try {
    // Warm every surface (JIT tiers, inline caches, heap sizing, pooled connections) until it stops improving.
    const warmupCpu = new Map<SurfaceName, number[]>(SURFACES.map((x) => [x.name, []]));
    const minChunks = Math.max(4, Math.ceil(options.warmup.min / options.warmup.chunk));
    const maxChunks = Math.max(minChunks, Math.floor(options.warmup.max / options.warmup.chunk));
    let warmupChunks = 0;
    let warmupStable = false;
    const warm = new Set<SurfaceName>();
    while (warmupChunks < maxChunks && !warmupStable) {
      for (const surface of rotate(SURFACES, warmupChunks)) {
        const before = cpuMicros(options.server.pid);
        const load = await runLoad({
          total: options.warmup.chunk,
          concurrency,
          maxMs: 60_000,
          task: tasks.get(surface.name)!,
        });
        if (load.completed === 0) throw new Error(`${surface.label} warm-up failed: ${load.firstError}`);
        await sleep(SETTLE_MS);
        warmupCpu
          .get(surface.name)!
          .push(round((cpuMicros(options.server.pid) - before) / Math.max(1, load.requested)));
      }
      warmupChunks++;
      // Once a surface's level stopped falling it counts as warm (noise later on does not un-warm it).
      for (const [name, chunks] of warmupCpu) if (warmedUp(chunks)) warm.add(name);
      warmupStable = warmupChunks >= minChunks && warm.size === SURFACES.length;
    }
    const serverRssAfterWarmupMb = round(memStatus(options.server.pid).rssKb / 1024);

    const blocks: CpuBlock[] = [];
    const serverRssAfterRoundMb: number[] = [];
    for (let r = 0; r < options.rounds; r++) {
      if (r > 0 && Date.now() >= deadline) break;
      const order = rotate(SURFACES, r);
      for (const [position, surface] of order.entries()) {
        await sleep(SETTLE_MS);
        const serverBefore = cpuMicros(options.server.pid);
        const fakeBefore = cpuMicros(options.fake.pid);
        const load = await runLoad({
          total: options.requests,
          concurrency,
          maxMs: Math.max(5000, deadline - Date.now()),
          task: tasks.get(surface.name)!,
        });
        await sleep(SETTLE_MS);
        const serverCpu = cpuMicros(options.server.pid) - serverBefore;
        const fakeCpu = cpuMicros(options.fake.pid) - fakeBefore;
        if (load.firstError !== undefined && !firstErrors.has(surface.name)) {
          firstErrors.set(surface.name, load.firstError);
        }
        if (load.completed === 0) throw new Error(`${surface.label} failed in round ${r + 1}: ${load.firstError}`);
        // Failed requests cost CPU too; divide by what was sent.
        const n = Math.max(1, load.requested);
        blocks.push({
          round: r + 1,
          position,
          surface: surface.name,
          requests: load.completed,
          errors: load.errors,
          serverCpuUsPerRequest: round(serverCpu / n),
          fakeCpuUsPerRequest: round(fakeCpu / n),
          requestsPerSecond: round(load.completed / (load.elapsedMs / 1000), 0),
          p50Ms: round(percentile(load.latenciesUs, 50) / 1000, 3),
          p99Ms: round(percentile(load.latenciesUs, 99) / 1000, 3),
          serverRssMb: round(memStatus(options.server.pid).rssKb / 1024),
        });
      }
      serverRssAfterRoundMb.push(round(memStatus(options.server.pid).rssKb / 1024));
    }

    const of = (name: SurfaceName) => blocks.filter((b) => b.surface === name);
    const surfaces: SurfaceCpu[] = SURFACES.map((surface) => {
      const mine = of(surface.name);
      const cpu = mine.map((b) => b.serverCpuUsPerRequest);
      const [min, max] = range(cpu);
      const cpuMedian = median(cpu);
      const { floor } = surface;
      const roundOverheads = mine.flatMap((b) => {
        const base = blocks.find((x) => x.surface === floor && x.round === b.round);
        return base ? [b.serverCpuUsPerRequest - base.serverCpuUsPerRequest] : [];
      });
      const [overheadMin, overheadMax] = range(roundOverheads);
      return {
        surface: surface.name,
        label: surface.label,
        blocks: mine.length,
        requests: mine.reduce((sum, b) => sum + b.requests, 0),
        errors: mine.reduce((sum, b) => sum + b.errors, 0),
        firstError: firstErrors.get(surface.name),
        serverCpuUsPerRequest: round(cpuMedian),
        serverCpuUsMin: min,
        serverCpuUsMax: max,
        perBlockServerCpuUs: cpu,
        fakeCpuUsPerRequest: round(median(mine.map((b) => b.fakeCpuUsPerRequest))),
        floor,
        overheadUs: floor ? round(median(roundOverheads)) : undefined,
        roundOverheadMinUs: floor ? round(overheadMin) : undefined,
        roundOverheadMaxUs: floor ? round(overheadMax) : undefined,
        requestsPerSecond: round(median(mine.map((b) => b.requestsPerSecond)), 0),
        p50Ms: round(median(mine.map((b) => b.p50Ms)), 3),
        p99Ms: round(median(mine.map((b) => b.p99Ms)), 3),
        warmupCpuUs: warmupCpu.get(surface.name) ?? [],
      };
    });
    return {
      concurrency,
      warmupPerSurface: warmupChunks * options.warmup.chunk,
      warmupStable,
      roundsPlanned: options.rounds,
      rounds: serverRssAfterRoundMb.length,
      requestsPerBlock: options.requests,
      surfaces,
      blocks,
      serverRssAfterWarmupMb,
      serverRssAfterRoundMb,
      serverRssAfterMb: round(memStatus(options.server.pid).rssKb / 1024),
    };
  } finally {
    await pool.close();
  }
}
