/**
 * Scenario 4: server RSS with N concurrent open `/api/chat` streams (FAKE_SILENT: the fake sends its opening
 * chunk and stays silent until the client goes away), and how many of them actually reach the gateway.
 */
import type { Pool } from 'undici';
import { makePool, round } from '../load.ts';
import { memStatus, type Proc, sleep } from '../processes.ts';
import { restStreamBody, SERVER_HEADERS } from '../requests.ts';

export interface OpenStreamsOptions {
  server: Proc;
  fake: Proc;
  streams: number;
  maxMs: number;
}

export interface OpenStreamsResult {
  streams: number;
  opened: number;
  rejected: Record<string, number>;
  firstError: string | undefined;
  openMs: number;
  /** Connections the fake held open (= in-flight upstream requests) once all streams had their first bytes. */
  fakeOpenRequests: number;
  rssBeforeMb: number;
  rssOpenMb: number;
  perStreamKb: number;
  rssAfterCloseMb: number;
  /** Gateway connections still open when the wait for them to close ended (0: all closed). */
  fakeOpenAfterClose: number;
  /** From aborting every client stream until the gateway held none of them (or the wait ended). */
  closeDrainMs: number;
}

/** How long to wait, after the clients abort, for the server to close its gateway connections. */
export const CLOSE_WAIT_MS = 10_000;

interface OpenStream {
  controller: AbortController;
  status: number;
  firstBytes: boolean;
  error: string | undefined;
}

function open(pool: Pool, body: string): OpenStream {
  const stream: OpenStream = { controller: new AbortController(), status: 0, firstBytes: false, error: undefined };
  pool
    .request({ method: 'POST', path: '/api/chat', headers: SERVER_HEADERS, body, signal: stream.controller.signal })
    .then(
      async (res) => {
        stream.status = res.statusCode;
        res.body.on('error', () => {});
        if (res.statusCode !== 200) {
          stream.error = (await res.body.text()).slice(0, 200);
          return;
        }
        res.body.once('data', () => {
          stream.firstBytes = true;
        });
      },
      (error: Error) => {
        if (!stream.controller.signal.aborted) stream.error = error.message;
      },
    );
  return stream;
}

/** Requests the fake gateway holds open (its /__stats), not sockets: idle keep-alive connections do not count. */
async function fakeOpenRequests(fake: Proc): Promise<number> {
  const stats = (await (await fetch(`${fake.url}/__stats`)).json()) as { open: number };
  return stats.open;
}

/** Polls `read` every 100 ms until `done` or it stayed unchanged for `stableMs`, at most `maxMs`. */
async function settle(
  read: () => Promise<number>,
  done: (n: number) => boolean,
  stableMs: number,
  maxMs: number,
): Promise<number> {
  const deadline = Date.now() + maxMs;
  let last = await read();
  let since = Date.now();
  while (!done(last) && Date.now() < deadline && Date.now() - since < stableMs) {
    await sleep(100);
    const now = await read();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

export async function runOpenStreams(options: OpenStreamsOptions): Promise<OpenStreamsResult> {
  const pool = makePool(options.server.url, options.streams + 16);
  const body = restStreamBody('FAKE_SILENT');
  const fakeBaseline = await fakeOpenRequests(options.fake);
  const rssBefore = memStatus(options.server.pid).rssKb;
  const streams: OpenStream[] = [];
  const begin = Date.now();
  try {
    for (let i = 0; i < options.streams; i++) streams.push(open(pool, body));
    const deadline = begin + options.maxMs;
    const settled = (s: OpenStream) => s.firstBytes || s.error !== undefined;
    while (Date.now() < deadline && !streams.every(settled)) await sleep(20);
    const openMs = Date.now() - begin;
    const opened = streams.filter((s) => s.firstBytes).length;
    // Give the server time to push everything it will push upstream, then count what the fake holds.
    const fakeOpen =
      (await settle(
        () => fakeOpenRequests(options.fake),
        (n) => n - fakeBaseline >= opened,
        1000,
        5000,
      )) - fakeBaseline;
    await sleep(300);
    const rssOpen = memStatus(options.server.pid).rssKb;

    const rejected: Record<string, number> = {};
    for (const s of streams) {
      if (s.firstBytes) continue;
      const key = s.status === 0 ? (s.error === undefined ? 'pending' : 'no-response') : String(s.status);
      rejected[key] = (rejected[key] ?? 0) + 1;
    }
    const firstError = streams.find((s) => s.error !== undefined)?.error;

    const closeBegin = Date.now();
    for (const s of streams) s.controller.abort();
    const fakeAfter =
      (await settle(
        () => fakeOpenRequests(options.fake),
        (n) => n <= fakeBaseline,
        CLOSE_WAIT_MS,
        CLOSE_WAIT_MS,
      )) - fakeBaseline;
    const closeDrainMs = Date.now() - closeBegin;
    await sleep(500);
    const rssAfter = memStatus(options.server.pid).rssKb;
    return {
      streams: options.streams,
      opened,
      rejected,
      firstError,
      openMs,
      fakeOpenRequests: fakeOpen,
      rssBeforeMb: round(rssBefore / 1024),
      rssOpenMb: round(rssOpen / 1024),
      perStreamKb: round((rssOpen - rssBefore) / Math.max(1, opened)),
      rssAfterCloseMb: round(rssAfter / 1024),
      fakeOpenAfterClose: Math.max(0, fakeAfter),
      closeDrainMs,
    };
  } finally {
    for (const s of streams) s.controller.abort();
    await pool.destroy();
  }
}

export interface RunLimitProbe {
  attempted: number;
  /** HTTP 200 (stream opened). */
  accepted: number;
  /** HTTP 429. */
  rateLimited: number;
  /** Any other outcome, by status ("no-response" for transport errors, "pending" if unanswered after 10 s). */
  other: Record<string, number>;
  /** Body of the first 429. */
  message: string | undefined;
}

/**
 * How many concurrent streams does one API key get from this server (as configured)? Opens `attempts` silent
 * streams at once and counts the answers; every stream is aborted before returning.
 */
export async function probeRunLimit(server: Proc, attempts: number): Promise<RunLimitProbe> {
  const pool = makePool(server.url, attempts + 4);
  const body = restStreamBody('FAKE_SILENT');
  const streams: OpenStream[] = [];
  try {
    for (let i = 0; i < attempts; i++) streams.push(open(pool, body));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && streams.some((s) => s.status === 0 && s.error === undefined)) await sleep(20);
    const other: Record<string, number> = {};
    for (const s of streams) {
      if (s.status === 200 || s.status === 429) continue;
      const key = s.status === 0 ? (s.error === undefined ? 'pending' : 'no-response') : String(s.status);
      other[key] = (other[key] ?? 0) + 1;
    }
    return {
      attempted: attempts,
      accepted: streams.filter((s) => s.status === 200).length,
      rateLimited: streams.filter((s) => s.status === 429).length,
      other,
      message: streams.find((s) => s.status === 429)?.error,
    };
  } finally {
    for (const s of streams) s.controller.abort();
    await pool.destroy();
  }
}
