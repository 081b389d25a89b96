/**
 * `npm run bench`: starts the fake gateway and the real (built) server as child processes, measures CPU per
 * request and our overhead over the libraries' floor (bench/floors.ts), added latency, per-delta relay cost, RSS
 * with many open streams and with a 10 MB image, prints a Markdown table and writes bench/results/latest.md and
 * latest.json.
 *
 * Load generator, fake and server share the machine, so single samples are noisy: the CPU scenario warms every
 * surface, then interleaves them in rounds (rotating order) and reports medians with min–max; the latency
 * scenario alternates direct/proxied blocks and reports medians of per-block percentiles. Findings are derived
 * from the measured data only.
 *
 * `BENCH_QUICK=1` for a shorter run; `BENCH_PROFILE=1|0` forces/skips the --cpu-prof pass (by default it runs
 * for surfaces over the CPU target).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { readServerDefaults } from './defaults.ts';
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
import { measureStore } from './scenarios/store.ts';
import { runStreamDeltas } from './scenarios/stream-deltas.ts';
import { runTransport } from './scenarios/transports.ts';

const QUICK = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
const PROFILE = process.env.BENCH_PROFILE;

const CONFIG = QUICK
  ? {
      warmup: { chunk: 500, min: 2000, max: 4000 },
      rounds: 8,
      requests: 300,
      concurrency: 8,
      latencyWarmup: 300,
      latencyRequests: 500,
      latencyBlocks: 3,
      latencyC1Requests: 150,
      latencyC1Blocks: 2,
      deltas: 2000,
      deltaRepeats: 3,
      streams: 500,
      imageBytes: 10_000_000,
      imageRepeats: 2,
      profileWarmup: 2000,
      profileRequests: 1500,
      storeWarmup: 10_000,
      storeRounds: 12,
      storeRequests: 500,
      storeNewBlocks: 4,
      storeNewRequests: 1000,
    }
  : {
      warmup: { chunk: 1000, min: 6000, max: 12_000 },
      rounds: 16,
      requests: 750,
      concurrency: 8,
      latencyWarmup: 500,
      latencyRequests: 1000,
      latencyBlocks: 6,
      latencyC1Requests: 300,
      latencyC1Blocks: 4,
      deltas: 2000,
      deltaRepeats: 5,
      streams: 500,
      imageBytes: 10_000_000,
      imageRepeats: 3,
      profileWarmup: 8000,
      profileRequests: 4000,
      storeWarmup: 20_000,
      storeRounds: 32,
      storeRequests: 750,
      storeNewBlocks: 6,
      storeNewRequests: 2000,
    };

/** overheadUs: our surface's server CPU per call minus its library floor's (bench/floors.ts). */
const TARGETS = {
  cpuUsPerRequest: 250,
  overheadUs: 60,
  addedP50Ms: 1,
  openStreamsRssMb: 150,
  imageGrowthX: 3,
  storeShareUs: 150,
};
const RESULTS = join(ROOT, 'bench', 'results');
/** Profile the image path too when one image costs the server more CPU than this. */
const IMAGE_PROFILE_CPU_MS = 100;
/** A finding when aborted streams keep their gateway connection longer than this. */
const SLOW_CANCEL_MS = 1000;
const WATCHDOG_MS = QUICK ? 6 * 60_000 : 10 * 60_000;

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

/** Markdown table; `|` inside cells is escaped, line breaks become spaces. */
function markdownTable(rows: string[][]): string {
  const cell = (c: string) => c.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
  const line = (r: string[]) => `| ${r.map(cell).join(' | ')} |`;
  return [line(rows[0]!), `|${rows[0]!.map(() => '---').join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

/** OK / MISS from the median, and "borderline" when the measured range reaches the other side of the target. */
function status(checks: Array<{ name: string; value: number; min: number; max: number; target: number }>): string {
  const missed = checks.filter((c) => !(c.value <= c.target));
  const borderline = checks.filter((c) => c.min <= c.target && c.max > c.target);
  let out = missed.length === 0 ? 'OK' : `MISS (${missed.map((c) => c.name).join(', ')})`;
  if (borderline.length > 0) out += `, borderline (${borderline.map((c) => c.name).join(', ')} range spans target)`;
  return out;
}

/** The `error.message` of a JSON error body, else the body itself. */
function errorMessage(body: string | undefined): string {
  if (body === undefined) return '';
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    return typeof message === 'string' ? message : body;
  } catch {
    return body;
  }
}

const ms = (v: number) => `${v} ms`;
/** The libraries' floors have no target of their own: they are what our surfaces are measured against. */
const isFloor = (name: string) => SURFACES.some((x) => x.floor === name);
const floorLabel = (s: { floor?: string | undefined }) =>
  SURFACES.find((x) => x.name === s.floor)?.label.replace(/^floor: /, '') ?? 'its floor';
const span = (r: readonly [number, number], unit = '') => `${r[0]}–${r[1]}${unit}`;
const signed = (v: number) => (v >= 0 ? `+${v}` : `${v}`);

async function main(): Promise<void> {
  const started = Date.now();
  const date = new Date();
  const info = machine();
  log(`${QUICK ? 'QUICK' : 'full'} run on ${info.cpu}, ${info.cores} cores, node ${info.node}`);
  mkdirSync(RESULTS, { recursive: true });

  buildServer();
  const defaults = await readServerDefaults();
  if (defaults.error) log(`could not read the built server's defaults: ${defaults.error}`);
  const fake = await startFake();
  log(`fake gateway ${fake.url} (pid ${fake.pid})`);
  let server: Proc = await startServer({ gatewayUrl: fake.url });
  log(`server ${server.url} (pid ${server.pid})`);
  const rssIdleMb = round(memStatus(server.pid).rssKb / 1024);

  log(
    `1/6 CPU per request: warm-up in chunks of ${CONFIG.warmup.chunk} per surface (${CONFIG.warmup.min}–${CONFIG.warmup.max}), then ${CONFIG.rounds} rounds x ${SURFACES.length} surfaces x ${CONFIG.requests} requests at c=${CONFIG.concurrency}`,
  );
  const cpu: CpuResult = await runCpu({
    server,
    fake,
    warmup: CONFIG.warmup,
    rounds: CONFIG.rounds,
    requests: CONFIG.requests,
    concurrency: CONFIG.concurrency,
    maxMs: QUICK ? 60_000 : 180_000,
  });
  log(
    `   warm-up: ${cpu.warmupPerSurface} requests per surface, ${cpu.warmupStable ? 'stable' : 'NOT stable (cap reached)'}`,
  );
  for (const s of cpu.surfaces) {
    log(
      `   ${s.label}: warm-up chunks ${s.warmupCpuUs.join(', ')} µs/request; measured median ${s.serverCpuUsPerRequest} µs/request (${s.serverCpuUsMin}–${s.serverCpuUsMax}; blocks ${s.perBlockServerCpuUs.join(', ')})`,
    );
  }

  log(
    `2/6 added latency: ${CONFIG.latencyBlocks} x ${CONFIG.latencyRequests} direct vs proxied, alternating, at c=${CONFIG.concurrency}; then c=1`,
  );
  const latency: LatencyResult = await runLatency({
    server,
    fake,
    requests: CONFIG.latencyRequests,
    concurrency: CONFIG.concurrency,
    blocks: CONFIG.latencyBlocks,
    warmup: CONFIG.latencyWarmup,
    maxMs: 60_000,
  });
  // Same comparison without queueing: at c=8 the 2 cores are saturated by client + server + fake.
  const latencyC1: LatencyResult = await runLatency({
    server,
    fake,
    requests: CONFIG.latencyC1Requests,
    concurrency: 1,
    blocks: CONFIG.latencyC1Blocks,
    warmup: 100,
    maxMs: 30_000,
  });

  log(`3/6 stream relay: FAKE_DELTAS_${CONFIG.deltas} x ${CONFIG.deltaRepeats}`);
  const deltas = await runStreamDeltas({
    server,
    fake,
    deltas: CONFIG.deltas,
    repeats: CONFIG.deltaRepeats,
    maxMs: 30_000,
  });

  log(`4/6 open streams: ${CONFIG.streams} concurrent streams on one key against the default config`);
  const runLimit = await probeRunLimit(server, CONFIG.streams);
  await stopProc(server);
  // The RSS figure wants all streams open: raise the per-key limit for this scenario only if the default refused some.
  const limitRaised = runLimit.accepted < CONFIG.streams;
  const streamsEnv: Record<string, string> = limitRaised ? { MAX_ACTIVE_RUNS_PER_KEY: String(CONFIG.streams) } : {};
  if (limitRaised) {
    log(
      `   default config accepted ${runLimit.accepted}/${CONFIG.streams}; fresh server with MAX_ACTIVE_RUNS_PER_KEY=${CONFIG.streams}`,
    );
  }
  server = await startServer({ gatewayUrl: fake.url, name: 'server (streams)', env: streamsEnv });
  const openStreams = await runOpenStreams({ server, fake, streams: CONFIG.streams, maxMs: 20_000 });
  await stopProc(server);

  log('   transports: first-delta latency and per-delta relay, http vs ws (each before its own fake)');
  const transportOptions = { turns: QUICK ? 20 : 60, deltas: CONFIG.deltas };
  server = await startServer({ gatewayUrl: fake.url, name: 'server (http)' });
  const httpTransport = await runTransport('http', server, transportOptions);
  await stopProc(server);
  const wsFake = await startFake('test/fake-gateway-ws/main.ts', 'fake (ws)');
  server = await startServer({ gatewayUrl: wsFake.url, name: 'server (ws)', env: { OPENCLAW_TRANSPORT: 'ws' } });
  const wsTransport = await runTransport('ws', server, transportOptions);
  await stopProc(server);
  await stopProc(wsFake);
  const transports = [httpTransport, wsTransport];

  log(`5/6 image: ${CONFIG.imageBytes} bytes PNG on a fresh server`);
  const image = await runImage({ fake, imageBytes: CONFIG.imageBytes, repeats: CONFIG.imageRepeats, maxMs: 60_000 });

  log('6/6 store: persisted GraphQL sendChat with a conversation (SQLite) vs the same call without a store');
  const store = await measureStore(fake, {
    warmup: CONFIG.storeWarmup,
    rounds: CONFIG.storeRounds,
    requests: CONFIG.storeRequests,
    concurrency: CONFIG.concurrency,
    newConversations: { blocks: CONFIG.storeNewBlocks, requests: CONFIG.storeNewRequests },
  });

  const overTarget = cpu.surfaces.filter(
    (s) =>
      (!isFloor(s.surface) && s.serverCpuUsPerRequest > TARGETS.cpuUsPerRequest) ||
      (s.overheadUs ?? 0) > TARGETS.overheadUs,
  );
  // Profile the offenders, and each one's baseline (its floor, or REST) to compare against.
  const baselines = new Set(overTarget.map((s) => s.floor ?? 'rest'));
  const toProfile =
    PROFILE === '0'
      ? []
      : PROFILE === '1'
        ? cpu.surfaces
        : cpu.surfaces.filter((s) => overTarget.includes(s) || baselines.has(s.surface));
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
  let imageProfile: ProfileSummary | undefined;
  if (PROFILE === '1' || (PROFILE !== '0' && image.serverCpuMsFirst > IMAGE_PROFILE_CPU_MS)) {
    log('profile: 10 MB image requests under --cpu-prof');
    imageProfile = await profileImage(fake, CONFIG.imageBytes, CONFIG.imageRepeats, join(RESULTS, 'profiles'));
    profiles.push(imageProfile);
  }
  await stopProc(fake);

  // ---- findings: each one only when the data shows it, worded from the data -------------------------------
  const findings: string[] = [];
  const rest = cpu.surfaces.find((s) => s.surface === 'rest')!;

  if (!cpu.warmupStable) {
    findings.push(
      `The CPU warm-up reached its cap of ${cpu.warmupPerSurface} requests per surface while CPU per request was still falling (warm-up chunks: ${cpu.surfaces.map((s) => `${s.label} ${s.warmupCpuUs.join(', ')} µs`).join('; ')}); the measured figures may still include warm-up cost.`,
    );
  }
  if (cpu.rounds < cpu.roundsPlanned) {
    findings.push(`The CPU scenario hit its time limit: ${cpu.rounds} of ${cpu.roundsPlanned} rounds ran.`);
  }
  for (const s of cpu.surfaces) {
    const targeted = !isFloor(s.surface);
    if (targeted && s.serverCpuUsMin <= TARGETS.cpuUsPerRequest && s.serverCpuUsMax > TARGETS.cpuUsPerRequest) {
      findings.push(
        `${s.label}: the ${TARGETS.cpuUsPerRequest} µs target lies inside the measured block range (${s.serverCpuUsMin}–${s.serverCpuUsMax} µs, median ${s.serverCpuUsPerRequest} µs), so its ${s.serverCpuUsPerRequest <= TARGETS.cpuUsPerRequest ? 'OK' : 'MISS'} is not robust on this machine.`,
      );
    }
    if (s.overheadUs !== undefined && s.overheadUs > TARGETS.overheadUs) {
      const consistent = (s.roundOverheadMinUs ?? 0) > TARGETS.overheadUs;
      findings.push(
        `${s.label} adds ${s.overheadUs} µs per request over its library floor (${floorLabel(s)}; same-round differences ${s.roundOverheadMinUs}–${s.roundOverheadMaxUs} µs, ${consistent ? 'every round' : 'not every round'} over the ${TARGETS.overheadUs} µs target).`,
      );
    }
    if (s.errors > 0) findings.push(`${s.label}: ${s.errors} failed requests in the CPU rounds (${s.firstError}).`);
  }
  const spreads = cpu.surfaces
    .map((s) => ({ s, spread: s.serverCpuUsMax / s.serverCpuUsMin - 1 }))
    .filter((x) => x.spread > 0.2);
  if (spreads.length > 0) {
    findings.push(
      `CPU per request varied between blocks by ${spreads.map((x) => `${Math.round(x.spread * 100)}% for ${x.s.label} (${x.s.serverCpuUsMin}–${x.s.serverCpuUsMax} µs)`).join(', ')}; the medians are the figures to compare.`,
    );
  }
  const rss = cpu.serverRssAfterRoundMb;
  if (rss.length >= 3) {
    const growthMb = round(rss[rss.length - 1]! - rss[0]!);
    const steps = rss.slice(1).map((v, i) => round(v - rss[i]!));
    const requestsSince = cpu.blocks.filter((b) => b.round > 1).reduce((sum, b) => sum + b.requests, 0);
    const kbPerRequest = round((growthMb * 1024) / Math.max(1, requestsSince), 2);
    // Still rising in the last round, and by a meaningful amount overall.
    if (growthMb > 16 && kbPerRequest > 0.2 && steps[steps.length - 1]! > 2) {
      findings.push(
        `Server RSS was still rising at the end of the CPU rounds: ${rss.join(' → ')} MB after each round (${steps.map(signed).join(', ')} MB per round of ${cpu.requestsPerBlock * SURFACES.length} requests; +${growthMb} MB = ~${kbPerRequest} kB/request after round 1; ${rssIdleMb} MB idle, ${cpu.serverRssAfterWarmupMb} MB after warm-up). This run cannot tell retained per-request state from heap growth that has not levelled off yet.`,
      );
    }
  }
  for (const [name, l] of [
    [`c=${latency.concurrency}`, latency],
    [`c=${latencyC1.concurrency}`, latencyC1],
  ] as const) {
    if (l.direct.errors + l.proxied.errors > 0) {
      findings.push(`Latency at ${name}: ${l.direct.errors} direct and ${l.proxied.errors} proxied requests failed.`);
    }
  }
  if (latency.addedP50Ms > TARGETS.addedP50Ms && latencyC1.addedP50Ms <= TARGETS.addedP50Ms) {
    findings.push(
      `Added p50 latency is ${signed(latency.addedP50Ms)} ms at c=${latency.concurrency} but ${signed(latencyC1.addedP50Ms)} ms at c=1: at c=${latency.concurrency} the load generator, server and fake share ${info.cores} cores, so most of the c=${latency.concurrency} figure comes with the concurrency (queueing for CPU), not from the proxy's own per-request path.`,
    );
  }
  if (runLimit.rateLimited > 0) {
    const schema =
      defaults.maxActiveRunsPerKey === undefined
        ? ''
        : ` (MAX_ACTIVE_RUNS_PER_KEY default: ${defaults.maxActiveRunsPerKey})`;
    findings.push(
      `With the default configuration${schema}, one API key (one mini-program = one key) got ${runLimit.accepted} of ${runLimit.attempted} concurrent streams; ${runLimit.rateLimited} were refused with 429 ("${errorMessage(runLimit.message)}").${limitRaised ? ` The open-streams row was measured with MAX_ACTIVE_RUNS_PER_KEY=${CONFIG.streams}.` : ''}`,
    );
  }
  if (Object.keys(runLimit.other).length > 0) {
    findings.push(`Per-key probe: streams neither accepted nor refused with 429: ${JSON.stringify(runLimit.other)}.`);
  }
  if (openStreams.opened < openStreams.streams) {
    findings.push(
      `Only ${openStreams.opened} of ${openStreams.streams} streams opened (${JSON.stringify(openStreams.rejected)}${openStreams.firstError ? `, first error: ${openStreams.firstError}` : ''}).`,
    );
  }
  if (openStreams.fakeOpenRequests < openStreams.opened) {
    const pool =
      defaults.upstreamConnections === undefined
        ? ''
        : ` The server ran with the default UPSTREAM_CONNECTIONS=${defaults.upstreamConnections}.`;
    findings.push(
      `Only ${openStreams.fakeOpenRequests} of ${openStreams.opened} open streams had a connection to the gateway when RSS was read (${openStreams.opened - openStreams.fakeOpenRequests} were answered to the client but not, or not yet, sent upstream).${pool}`,
    );
  }
  if (openStreams.fakeOpenAfterClose > 0) {
    findings.push(
      `${openStreams.fakeOpenAfterClose} of ${openStreams.fakeOpenRequests} gateway connections were still open ${openStreams.closeDrainMs} ms after every client had aborted its stream (the bench stops waiting there).`,
    );
  } else if (openStreams.closeDrainMs > SLOW_CANCEL_MS) {
    findings.push(
      `After all ${openStreams.opened} clients aborted their streams, the fake gateway still held their upstream connections for ${openStreams.closeDrainMs} ms (polled every 100 ms) before the last one closed.`,
    );
  }
  if (image.peakGrowthXImage >= TARGETS.imageGrowthX) {
    const top = imageProfile?.topFunctions
      .slice(0, 3)
      .map((f) => `${f.name} (${f.percent}%)`)
      .join(', ');
    findings.push(
      `One ${round(image.imageBytes / 1e6, 1)} MB image (${round(image.requestBodyBytes / 1e6, 1)} MB JSON request) raised the server's peak RSS by ${image.peakGrowthMb} MB = ${image.peakGrowthXImage}x the image (target < ${TARGETS.imageGrowthX}x) and cost ${image.serverCpuMsFirst} ms of server CPU.${top ? ` Top self time in the image profile: ${top}.` : ''}`,
    );
  }

  if (store.errors > 0) findings.push(`Store scenario: ${store.errors} failed requests (${store.firstError}).`);

  // ---- report ---------------------------------------------------------------------------------------------
  const rows: string[][] = [['Metric', 'Value', 'Target', 'Status']];
  const blocksLabel = `median of ${cpu.rounds} blocks × ${cpu.requestsPerBlock}, c=${cpu.concurrency}`;
  for (const s of cpu.surfaces) {
    const floor = isFloor(s.surface);
    rows.push([
      `Server CPU / request, ${s.label} (${blocksLabel})`,
      `${s.serverCpuUsPerRequest} µs (min–max ${s.serverCpuUsMin}–${s.serverCpuUsMax}); ${s.requestsPerSecond} req/s, p50 ${ms(s.p50Ms)}, p99 ${ms(s.p99Ms)}`,
      floor ? '' : `≤ ${TARGETS.cpuUsPerRequest} µs`,
      floor
        ? ''
        : status([
            {
              name: 'µs',
              value: s.serverCpuUsPerRequest,
              min: s.serverCpuUsMin,
              max: s.serverCpuUsMax,
              target: TARGETS.cpuUsPerRequest,
            },
          ]),
    ]);
  }
  for (const s of cpu.surfaces) {
    if (s.overheadUs === undefined) continue;
    rows.push([
      `Our overhead / request, ${s.label} over ${floorLabel(s)}`,
      `${s.overheadUs} µs (same-round differences ${s.roundOverheadMinUs}–${s.roundOverheadMaxUs} µs)`,
      `≤ ${TARGETS.overheadUs} µs`,
      status([
        {
          name: 'µs',
          value: s.overheadUs,
          min: s.roundOverheadMinUs ?? s.overheadUs,
          max: s.roundOverheadMaxUs ?? s.overheadUs,
          target: TARGETS.overheadUs,
        },
      ]),
    ]);
  }
  rows.push(['Fake gateway CPU / request, REST blocks (for scale)', `${rest.fakeCpuUsPerRequest} µs`, '', '']);
  const latLabel = (l: LatencyResult) =>
    `c=${l.concurrency}, median of ${l.direct.blocks} blocks × ${l.requestsPerBlock}`;
  const pathValue = (p: LatencyResult['direct']) =>
    `p50 ${ms(p.p50Ms)} (${span(p.p50RangeMs)}), p99 ${ms(p.p99Ms)} (${span(p.p99RangeMs)})`;
  rows.push([`Latency direct to fake (${latLabel(latency)})`, pathValue(latency.direct), '', '']);
  rows.push([`Latency via /api/chat (${latLabel(latency)})`, pathValue(latency.proxied), '', '']);
  rows.push([
    `Added latency p50 / p99 (c=${latency.concurrency})`,
    `${signed(latency.addedP50Ms)} ms / ${signed(latency.addedP99Ms)} ms (per block pair: p50 ${span(latency.pairAddedP50RangeMs)} ms, p99 ${span(latency.pairAddedP99RangeMs)} ms)`,
    `p50 ≤ ${TARGETS.addedP50Ms} ms`,
    status([
      {
        name: 'p50',
        value: latency.addedP50Ms,
        min: latency.pairAddedP50RangeMs[0],
        max: latency.pairAddedP50RangeMs[1],
        target: TARGETS.addedP50Ms,
      },
    ]),
  ]);
  rows.push([
    `Added latency p50 / p99 (${latLabel(latencyC1)}, for context)`,
    `${signed(latencyC1.addedP50Ms)} ms / ${signed(latencyC1.addedP99Ms)} ms (direct p50 ${ms(latencyC1.direct.p50Ms)}, proxied p50 ${ms(latencyC1.proxied.p50Ms)})`,
    '',
    '',
  ]);
  rows.push([
    `Added latency per stream delta (${deltas.deltas} deltas, median of ${deltas.repeats})`,
    `${deltas.addedUsPerDelta} µs (direct ${ms(deltas.medianDirectMs)}, proxied ${ms(deltas.medianProxiedMs)}; server CPU ${deltas.serverCpuUsPerDelta} µs/delta)`,
    '',
    '',
  ]);
  rows.push([
    `Concurrent streams per API key, default config (${runLimit.attempted} attempted)`,
    `${runLimit.accepted} accepted, ${runLimit.rateLimited} refused with 429${Object.keys(runLimit.other).length > 0 ? `, other ${JSON.stringify(runLimit.other)}` : ''}`,
    '',
    '',
  ]);
  const streamsConfig = limitRaised
    ? `MAX_ACTIVE_RUNS_PER_KEY=${CONFIG.streams} for this row only, as the default admitted ${runLimit.accepted}; otherwise default config`
    : 'default config';
  rows.push([
    `RSS with ${openStreams.opened}/${openStreams.streams} open streams (${streamsConfig})`,
    `${openStreams.rssOpenMb} MB (before ${openStreams.rssBeforeMb} MB, ~${openStreams.perStreamKb} kB/stream; fake gateway held ${openStreams.fakeOpenRequests} open requests; ${openStreams.fakeOpenAfterClose === 0 ? `all closed ${openStreams.closeDrainMs} ms after the clients aborted` : `${openStreams.fakeOpenAfterClose} still open ${openStreams.closeDrainMs} ms after the clients aborted`})`,
    `< ${TARGETS.openStreamsRssMb} MB`,
    openStreams.opened !== openStreams.streams
      ? `MISS (${openStreams.opened} opened)`
      : openStreams.rssOpenMb < TARGETS.openStreamsRssMb
        ? 'OK'
        : 'MISS',
  ]);
  rows.push([
    `Peak RSS growth, one ${round(image.imageBytes / 1e6, 1)} MB image`,
    `${image.peakGrowthMb} MB = ${image.peakGrowthXImage}x image (RSS ${image.rssBeforeMb} → peak ${image.sampledPeakMb} MB, VmHWM ${image.hwmBeforeMb} → ${image.hwmAfterMb} MB)`,
    `< ${TARGETS.imageGrowthX}x`,
    image.peakGrowthXImage < TARGETS.imageGrowthX ? 'OK' : 'MISS',
  ]);
  rows.push([
    `Added latency, ${round(image.imageBytes / 1e6, 1)} MB image (vs /v1/responses direct)`,
    `${signed(image.addedLatencyMs)} ms (proxied ${image.proxiedMs.join('/')} ms, direct ${image.directMs.join('/')} ms; server CPU ${image.serverCpuMsFirst} ms)`,
    '',
    '',
  ]);
  for (const t of transports) {
    rows.push([
      `Transport ${t.transport}: first delta on /api/chat (${t.turns} turns) / per-delta relay (${t.deltas} deltas)`,
      `median ${t.firstDeltaMedianMs} ms, p90 ${t.firstDeltaP90Ms} ms / ${t.relayUsPerDelta} µs per delta (server CPU ${t.serverCpuUsPerDelta} µs)`,
      '',
      '',
    ]);
  }
  rows.push([
    `Store share of a persisted GraphQL sendChat (SQLite; median of ${store.perRound.length} rounds × ${CONFIG.storeRequests}, c=${CONFIG.concurrency})`,
    `${store.storeShareUs} µs (rounds ${span(store.storeShareRangeUs)} µs; mean ${store.meanShareUs} µs): ${store.storedCpuUs} µs with the store vs ${store.statelessCpuUs} µs without`,
    `< ${TARGETS.storeShareUs} µs`,
    store.storeShareUs < TARGETS.storeShareUs ? 'OK' : 'MISS',
  ]);
  rows.push([
    `Server RSS under sustained new conversations (${store.newConversations} sendChat, SQLite)`,
    `${store.rssAfterBlocksMb.join(' → ')} MB after each block of ${CONFIG.storeNewRequests}`,
    'bounded',
    '',
  ]);
  rows.push([
    'Server RSS idle / after warm-up / after CPU rounds',
    `${rssIdleMb} / ${cpu.serverRssAfterWarmupMb} / ${cpu.serverRssAfterMb} MB (after each round: ${cpu.serverRssAfterRoundMb.join(', ')})`,
    '',
    '',
  ]);

  const durationS = round((Date.now() - started) / 1000, 1);
  const md: string[] = [];
  md.push(`Date: ${date.toISOString()}`);
  md.push(`Machine: node ${info.node}, ${info.cpu}, ${info.cores} cores, ${info.memoryGb} GB, Linux ${info.kernel}`);
  md.push(
    `Run: ${QUICK ? 'BENCH_QUICK' : 'full'}, ${durationS} s; server NODE_ENV=production LOG_LEVEL=info (stdout to /dev/null); load generator, fake gateway and server on the same machine`,
  );
  md.push(
    `CPU warm-up: ${cpu.warmupPerSurface} requests per surface in chunks of ${CONFIG.warmup.chunk}, ${cpu.warmupStable ? 'ended when no surface was getting cheaper any more' : 'cap reached while still getting cheaper'}; then ${cpu.rounds} rounds of ${cpu.requestsPerBlock} requests per surface, rotating order`,
  );
  md.push('', markdownTable(rows));
  for (const p of profiles) {
    md.push(
      '',
      `CPU profile (main thread self time), ${p.surface}: ${p.requests} measured requests, ${p.busyMs} ms busy = ${p.busyUsPerRequest} µs/request under the profiler; \`${p.file}\``,
      '',
      markdownTable([
        ['Self ms', '%', 'Function'],
        ...p.topFunctions.map((f) => [String(f.selfMs), String(f.percent), `\`${f.name}\``]),
      ]),
      '',
      `By package: ${p.byPackage.map((g) => `${g.name} ${g.percent}%`).join(', ')}`,
    );
  }
  if (findings.length > 0) md.push('', 'Findings:', '', ...findings.map((f) => `- ${f}`));
  const markdown = `${md.join('\n')}\n`;
  process.stdout.write(`\n${markdown}`);
  writeFileSync(join(RESULTS, 'latest.md'), markdown);

  const json = {
    date: date.toISOString(),
    quick: QUICK,
    durationS,
    machine: info,
    config: CONFIG,
    targets: TARGETS,
    serverDefaults: defaults,
    serverRssIdleMb: rssIdleMb,
    cpu,
    latency,
    latencyC1,
    streamDeltas: deltas,
    runLimitProbe: runLimit,
    openStreams: { ...openStreams, env: streamsEnv },
    image,
    store,
    transports,
    profiles,
    findings,
  };
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(
    `\nWrote ${join('bench', 'results', 'latest.md')} and ${join('bench', 'results', 'latest.json')}\n`,
  );
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
