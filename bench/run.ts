/**
 * `npm run bench`: starts the fake gateway and the real server as child processes, measures CPU per request,
 * added latency, per-delta relay cost, RSS with many open streams and with a 10 MB image, prints a table and
 * writes bench/results/latest.json. `BENCH_QUICK=1` for a shorter run; `BENCH_PROFILE=1|0` forces/skips the
 * --cpu-prof pass (by default it runs for surfaces over the CPU target).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { round } from './load.ts';
import {
  buildServer,
  killAllSync,
  memStatus,
  type Proc,
  ROOT,
  startFake,
  startServer,
  stopAll,
  stopProc,
} from './processes.ts';
import { type ProfileSummary, profileSurface } from './profile.ts';
import { SURFACES } from './requests.ts';
import { type CpuResult, runCpu } from './scenarios/cpu.ts';
import { profileImage, runImage } from './scenarios/image.ts';
import { type LatencyResult, runLatency } from './scenarios/latency.ts';
import { probeRunLimit, runOpenStreams } from './scenarios/open-streams.ts';
import { runStreamDeltas } from './scenarios/stream-deltas.ts';

const QUICK = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
const PROFILE = process.env.BENCH_PROFILE;

const CONFIG = QUICK
  ? {
      warmup: 300,
      requests: 2000,
      concurrency: 8,
      latencyRequests: 1000,
      latencyBlocks: 2,
      deltas: 2000,
      deltaRepeats: 3,
      streams: 500,
      imageBytes: 10_000_000,
      imageRepeats: 2,
      profileWarmup: 300,
      profileRequests: 1500,
    }
  : {
      warmup: 2000,
      requests: 10_000,
      concurrency: 8,
      latencyRequests: 5000,
      latencyBlocks: 4,
      deltas: 2000,
      deltaRepeats: 5,
      streams: 500,
      imageBytes: 10_000_000,
      imageRepeats: 3,
      profileWarmup: 1000,
      profileRequests: 4000,
    };

const TARGETS = { cpuUsPerRequest: 250, ratioToRest: 1.5, addedP50Ms: 1, openStreamsRssMb: 150, imageGrowthX: 3 };
const RESULTS = join(ROOT, 'bench', 'results');
/** Profile the image path too when one image costs the server more CPU than this. */
const IMAGE_PROFILE_CPU_MS = 100;
const WATCHDOG_MS = QUICK ? 5 * 60_000 : 8 * 60_000;

function machine() {
  let model = 'unknown';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    model = cpus()[0]?.model ?? model;
  }
  return {
    node: process.version,
    cpu: model,
    cores: availableParallelism(),
    memoryGb: round(totalmem() / 1024 ** 3, 1),
    kernel: release(),
  };
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? '' : ok ? 'OK' : 'MISS';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ');
  const sep = widths.map((w) => '-'.repeat(w)).join('-|-');
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const info = machine();
  log(`${QUICK ? 'QUICK' : 'full'} run on ${info.cpu}, ${info.cores} cores, node ${info.node}`);
  mkdirSync(RESULTS, { recursive: true });

  buildServer();
  const fake = await startFake();
  log(`fake gateway ${fake.url} (pid ${fake.pid})`);
  let server: Proc = await startServer({ gatewayUrl: fake.url });
  log(`server ${server.url} (pid ${server.pid})`);
  const rssIdleMb = round(memStatus(server.pid).rssKb / 1024);

  log(
    `1/5 CPU per request: ${CONFIG.warmup} warm-up + ${CONFIG.requests} requests x 3 surfaces at c=${CONFIG.concurrency}`,
  );
  const cpu: CpuResult = await runCpu({
    server,
    fake,
    warmup: CONFIG.warmup,
    requests: CONFIG.requests,
    concurrency: CONFIG.concurrency,
    maxMs: 60_000,
  });

  log(
    `2/5 added latency: ${CONFIG.latencyRequests} direct vs ${CONFIG.latencyRequests} proxied at c=${CONFIG.concurrency}`,
  );
  const latency: LatencyResult = await runLatency({
    server,
    fake,
    requests: CONFIG.latencyRequests,
    concurrency: CONFIG.concurrency,
    blocks: CONFIG.latencyBlocks,
    maxMs: 60_000,
  });

  // Same comparison without queueing: at c=8 the 2 cores are saturated by client + server + fake.
  const latencyC1: LatencyResult = await runLatency({
    server,
    fake,
    requests: Math.round(CONFIG.latencyRequests / 5),
    concurrency: 1,
    blocks: 2,
    maxMs: 30_000,
  });

  log(`3/5 stream relay: FAKE_DELTAS_${CONFIG.deltas} x ${CONFIG.deltaRepeats}`);
  const deltas = await runStreamDeltas({
    server,
    fake,
    deltas: CONFIG.deltas,
    repeats: CONFIG.deltaRepeats,
    maxMs: 30_000,
  });

  log('4/5 open streams: per-key limit probe (default config), then a fresh server with the limit raised');
  const runLimit = await probeRunLimit(server, 20);
  await stopProc(server);
  server = await startServer({
    gatewayUrl: fake.url,
    name: 'server (streams)',
    env: { MAX_ACTIVE_RUNS_PER_KEY: String(CONFIG.streams + 100) },
  });
  const openStreams = await runOpenStreams({ server, fake, streams: CONFIG.streams, maxMs: 20_000 });
  await stopProc(server);

  log(`5/5 image: ${CONFIG.imageBytes} bytes PNG on a fresh server`);
  const image = await runImage({ fake, imageBytes: CONFIG.imageBytes, repeats: CONFIG.imageRepeats, maxMs: 60_000 });

  const overTarget = cpu.surfaces.filter((s) => s.serverCpuUsPerRequest > TARGETS.cpuUsPerRequest);
  const toProfile =
    PROFILE === '0'
      ? []
      : PROFILE === '1'
        ? cpu.surfaces
        : overTarget.length > 0
          ? // Profile the offenders, and REST as the baseline to compare against.
            cpu.surfaces.filter((s) => s.surface === 'rest' || overTarget.includes(s))
          : [];
  const profiles: ProfileSummary[] = [];
  for (const s of toProfile) {
    log(`profile: ${s.label} under --cpu-prof (${CONFIG.profileWarmup} + ${CONFIG.profileRequests} requests)`);
    profiles.push(
      await profileSurface({
        fake,
        surface: SURFACES.find((x) => x.name === s.surface)!,
        warmup: CONFIG.profileWarmup,
        requests: CONFIG.profileRequests,
        concurrency: CONFIG.concurrency,
        maxMs: 60_000,
        dir: join(RESULTS, 'profiles'),
      }),
    );
  }
  if (PROFILE === '1' || (PROFILE !== '0' && image.serverCpuMsFirst > IMAGE_PROFILE_CPU_MS)) {
    log('profile: 10 MB image requests under --cpu-prof');
    profiles.push(await profileImage(fake, CONFIG.imageBytes, CONFIG.imageRepeats, join(RESULTS, 'profiles')));
  }
  await stopProc(fake);

  // ---- findings -------------------------------------------------------------------------------------------
  const findings: string[] = [];
  if (runLimit.rateLimited > 0) {
    findings.push(
      `MAX_ACTIVE_RUNS_PER_KEY defaults to 16: with one API key (one mini-program = one key) only ${runLimit.accepted} of ${runLimit.attempted} concurrent streams were accepted, the rest got 429 ("${runLimit.message ?? ''}"). The open-streams figure was taken with MAX_ACTIVE_RUNS_PER_KEY=${CONFIG.streams + 100}.`,
    );
  }
  if (openStreams.fakeOpenRequests < openStreams.opened) {
    findings.push(
      `Only ${openStreams.fakeOpenRequests} of ${openStreams.opened} open streams reached the gateway: the server's undici Pool to the gateway is capped at 128 connections (GatewayClient \`connections ?? 128\`, not settable from env), so the other ${openStreams.opened - openStreams.fakeOpenRequests} streams wait in undici's queue while the client already sees ": connected" and the role chunk. Proposed fix: make the pool size configurable (e.g. UPSTREAM_CONNECTIONS, default >= expected concurrent streams) or pass connections: null (unbounded) for streaming.`,
    );
  }
  if (cpu.serverRssAfterMb > 2 * rssIdleMb) {
    findings.push(
      `Server RSS grew from ${rssIdleMb} MB idle to ${cpu.serverRssAfterMb} MB after the CPU runs. A heap-snapshot diff (5,000 requests apart) showed exactly +5,000 Timeout, AbortSignal, Set, Context and closure objects (~2.7 kB/request) that stay alive after the run ends: ChatService#drive's AbortSignal.any([run.signal, AbortSignal.timeout(RUN_TIMEOUT_MS)]) keeps a 10-minute timer per run. With --max-old-space-size=64 the server died of heap OOM after ~15-20k requests; with RUN_TIMEOUT_MS=2000 it survived 30k. Proposed fix: one setTimeout per run, cleared in a finally block (or clear it when the run settles), instead of AbortSignal.timeout.`,
    );
  }
  if (image.peakGrowthXImage >= TARGETS.imageGrowthX) {
    findings.push(
      `One ${round(image.imageBytes / 1e6, 1)} MB image grows the server's RSS by ${image.peakGrowthXImage}x its size and costs ${image.serverCpuMsFirst} ms of CPU: the base64 (1.33x) exists as raw chunks + Buffer.concat + utf8 string (fastify's body reader), the parsed string, the JSON.stringify'd upstream body (buildUpstreamCall) and undici's Buffer of it. The image profile's top items are the BASE64_BODY regex in gateway/attachments.ts and JSON.stringify in buildUpstreamCall. Proposed fix: validate base64 with a lookup-table loop (or Buffer.from(data,'base64').length === decodedLength(data) on slices), and send the upstream body as [prefix, Buffer.from(data,'latin1'), suffix] chunks with a content-length instead of one JSON.stringify'd string.`,
    );
  }
  for (const s of cpu.surfaces) {
    if (s.ratioToRest > TARGETS.ratioToRest) {
      findings.push(`${s.label} costs ${s.ratioToRest}x the REST CPU per request (target <= ${TARGETS.ratioToRest}x).`);
    }
    if (s.errors > 0) findings.push(`${s.label}: ${s.errors} failed requests (${s.firstError}).`);
  }

  // ---- report ---------------------------------------------------------------------------------------------
  const rest = cpu.surfaces.find((s) => s.surface === 'rest')!;
  const rows: string[][] = [['Metric', 'Value', 'Target', '']];
  for (const s of cpu.surfaces) {
    rows.push([
      `Server CPU / request, ${s.label}`,
      `${s.serverCpuUsPerRequest} µs (${s.ratioToRest}x REST; ${s.requestsPerSecond} req/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms)`,
      s.surface === 'rest'
        ? `<= ${TARGETS.cpuUsPerRequest} µs`
        : `<= ${TARGETS.cpuUsPerRequest} µs, <= ${TARGETS.ratioToRest}x REST`,
      verdict(
        s.serverCpuUsPerRequest <= TARGETS.cpuUsPerRequest &&
          (s.surface === 'rest' || s.ratioToRest <= TARGETS.ratioToRest),
      ),
    ]);
  }
  rows.push(['Fake gateway CPU / request (for scale)', `${rest.fakeCpuUsPerRequest} µs`, '', '']);
  rows.push([
    `Latency direct to fake (c=${latency.concurrency}, n=${latency.direct.requests})`,
    `p50 ${latency.direct.p50Ms} ms, p99 ${latency.direct.p99Ms} ms`,
    '',
    '',
  ]);
  rows.push([
    `Latency via /api/chat (c=${latency.concurrency}, n=${latency.proxied.requests})`,
    `p50 ${latency.proxied.p50Ms} ms, p99 ${latency.proxied.p99Ms} ms`,
    '',
    '',
  ]);
  rows.push([
    'Added latency p50 / p99',
    `+${latency.addedP50Ms} ms / +${latency.addedP99Ms} ms`,
    `p50 <= ${TARGETS.addedP50Ms} ms`,
    verdict(latency.addedP50Ms <= TARGETS.addedP50Ms),
  ]);
  rows.push([
    `Added latency p50 / p99 at c=1 (n=${latencyC1.proxied.requests}, for context)`,
    `+${latencyC1.addedP50Ms} ms / +${latencyC1.addedP99Ms} ms (direct p50 ${latencyC1.direct.p50Ms} ms, proxied p50 ${latencyC1.proxied.p50Ms} ms)`,
    '',
    '',
  ]);
  rows.push([
    `Added latency per stream delta (${deltas.deltas} deltas, median of ${deltas.repeats})`,
    `${deltas.addedUsPerDelta} µs (direct ${deltas.medianDirectMs} ms, proxied ${deltas.medianProxiedMs} ms; server CPU ${deltas.serverCpuUsPerDelta} µs/delta)`,
    '',
    '',
  ]);
  rows.push([
    `RSS with ${openStreams.opened}/${openStreams.streams} open streams`,
    `${openStreams.rssOpenMb} MB (before ${openStreams.rssBeforeMb} MB, ~${openStreams.perStreamKb} kB/stream; gateway saw ${openStreams.fakeOpenRequests} open)`,
    `< ${TARGETS.openStreamsRssMb} MB`,
    verdict(openStreams.opened === openStreams.streams && openStreams.rssOpenMb < TARGETS.openStreamsRssMb),
  ]);
  rows.push([
    `Peak RSS growth, one ${round(image.imageBytes / 1e6, 1)} MB image`,
    `${image.peakGrowthMb} MB = ${image.peakGrowthXImage}x image (RSS ${image.rssBeforeMb} -> peak ${image.sampledPeakMb} MB, VmHWM ${image.hwmBeforeMb} -> ${image.hwmAfterMb} MB)`,
    `< ${TARGETS.imageGrowthX}x`,
    verdict(image.peakGrowthXImage < TARGETS.imageGrowthX),
  ]);
  rows.push([
    'Added latency, 10 MB image (vs /v1/responses direct)',
    `+${image.addedLatencyMs} ms (proxied ${image.proxiedMs.join('/')} ms, direct ${image.directMs.join('/')} ms; server CPU ${image.serverCpuMsFirst} ms)`,
    '',
    '',
  ]);
  rows.push(['Server RSS idle / after CPU runs', `${rssIdleMb} MB / ${cpu.serverRssAfterMb} MB`, '', '']);

  const out = process.stdout;
  out.write(
    `\nMachine: node ${info.node}, ${info.cpu}, ${info.cores} cores, ${info.memoryGb} GB, Linux ${info.kernel}\n`,
  );
  out.write(
    `Run: ${QUICK ? 'BENCH_QUICK' : 'full'}, ${round((Date.now() - started) / 1000, 1)} s; server NODE_ENV=production LOG_LEVEL=info (stdout to /dev/null)\n\n`,
  );
  out.write(`${table(rows)}\n`);
  if (openStreams.firstError || Object.keys(openStreams.rejected).length > 0) {
    out.write(
      `\nOpen streams not established: ${JSON.stringify(openStreams.rejected)} ${openStreams.firstError ?? ''}\n`,
    );
  }
  for (const p of profiles) {
    out.write(
      `\nCPU profile (main thread self time), ${p.surface}: ${p.requests} measured requests, ${p.busyMs} ms busy = ${p.busyUsPerRequest} µs/request under the profiler; ${p.file}\n`,
    );
    out.write(
      `${table([['Self ms', '%', 'Function'], ...p.topFunctions.map((f) => [String(f.selfMs), String(f.percent), f.name])])}\n`,
    );
    out.write(`By package: ${p.byPackage.map((g) => `${g.name} ${g.percent}%`).join(', ')}\n`);
  }
  if (findings.length > 0) out.write(`\nFindings:\n${findings.map((f) => `- ${f}`).join('\n')}\n`);

  const json = {
    date: new Date().toISOString(),
    quick: QUICK,
    durationS: round((Date.now() - started) / 1000, 1),
    machine: info,
    config: CONFIG,
    targets: TARGETS,
    serverRssIdleMb: rssIdleMb,
    cpu,
    latency,
    latencyC1,
    streamDeltas: deltas,
    runLimitProbe: runLimit,
    openStreams,
    image,
    profiles,
    findings,
  };
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  out.write(`\nWrote ${join('bench', 'results', 'latest.json')}\n`);
}

const watchdog = setTimeout(() => {
  log(`watchdog: still running after ${WATCHDOG_MS / 1000} s, stopping`);
  void stopAll().finally(() => process.exit(2));
}, WATCHDOG_MS);

process.once('SIGINT', () => {
  log('interrupted');
  void stopAll().finally(() => process.exit(130));
});
process.once('SIGTERM', () => {
  void stopAll().finally(() => process.exit(143));
});
process.once('exit', killAllSync);

try {
  await main();
  clearTimeout(watchdog);
  await stopAll();
} catch (error) {
  clearTimeout(watchdog);
  log(`failed: ${(error as Error).stack ?? error}`);
  await stopAll();
  process.exitCode = 1;
}
