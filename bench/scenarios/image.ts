/**
 * Scenario 5: one 10 MB image through `/api/chat` on a fresh server: peak RSS growth (VmRSS sampled every
 * 5 ms, and VmHWM before/after) and added latency versus the equivalent `/v1/responses` call to the fake.
 */
import { randomFillSync } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Pool } from 'undici';
import { makePool, median, post, round } from '../load.ts';
import { cpuMicros, memStatus, type Proc, sleep, startServer, stopProc } from '../processes.ts';
import { hrtimeUs, type ProfileSummary, profileServer } from '../profile.ts';
import { FAKE_HEADERS, SERVER_HEADERS } from '../requests.ts';

export interface ImageOptions {
  fake: Proc;
  imageBytes: number;
  /** Proxied/direct pairs for the latency figure (the first proxied one is the memory measurement). */
  repeats: number;
  maxMs: number;
}

export interface ImageResult {
  imageBytes: number;
  base64Chars: number;
  requestBodyBytes: number;
  rssBeforeMb: number;
  hwmBeforeMb: number;
  hwmAfterMb: number;
  sampledPeakMb: number;
  samples: number;
  peakGrowthMb: number;
  peakGrowthXImage: number;
  rssAfterMb: number;
  serverCpuMsFirst: number;
  proxiedMs: number[];
  directMs: number[];
  addedLatencyMs: number;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG of exactly `size` bytes: signature, IHDR, one IDAT of random filler, IEND (sniffable, not decodable). */
export function buildPng(size: number): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdrData = Buffer.alloc(13);
  ihdrData.writeUInt32BE(1920, 0);
  ihdrData.writeUInt32BE(1080, 4);
  ihdrData.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  const ihdr = chunk('IHDR', ihdrData);
  const iend = chunk('IEND', Buffer.alloc(0));
  const filler = randomFillSync(Buffer.alloc(size - signature.length - ihdr.length - iend.length - 12));
  const png = Buffer.concat([signature, ihdr, chunk('IDAT', filler), iend]);
  if (png.length !== size) throw new Error(`PNG is ${png.length} bytes, wanted ${size}`);
  return png;
}

const TINY_PNG = buildPng(1024).toString('base64');

const restBody = (data: string) =>
  JSON.stringify({
    messages: [{ role: 'user', content: 'describe' }],
    attachments: [{ type: 'image', mimeType: 'image/png', data }],
  });

/** What the server sends upstream for that turn (buildResponsesBody). */
const directBody = (data: string) =>
  JSON.stringify({
    model: 'openclaw',
    input: [
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'describe' },
          { type: 'input_image', source: { type: 'base64', media_type: 'image/png', data } },
        ],
      },
    ],
    stream: false,
  });

const EXPECT = 'images=1';

async function timed(pool: Pool, path: string, headers: Record<string, string>, body: string): Promise<number> {
  const begin = process.hrtime.bigint();
  const res = await post(pool, path, headers, body, AbortSignal.timeout(60_000));
  const ms = Number(process.hrtime.bigint() - begin) / 1e6;
  if (res.status !== 200 || !res.text.includes(EXPECT)) {
    throw new Error(`image ${path}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  }
  return ms;
}

/** Where the server's CPU goes for image requests: a --cpu-prof server, window = `requests` image turns. */
export function profileImage(fake: Proc, imageBytes: number, requests: number, dir: string): Promise<ProfileSummary> {
  const body = restBody(buildPng(imageBytes).toString('base64'));
  return profileServer({
    fake,
    name: 'server-image',
    label: `REST /api/chat with a ${round(imageBytes / 1e6, 1)} MB image`,
    dir,
    run: async (server) => {
      const pool = makePool(server.url, 1);
      try {
        for (let i = 0; i < 20; i++) await timed(pool, '/api/chat', SERVER_HEADERS, restBody(TINY_PNG));
        const fromUs = hrtimeUs();
        for (let i = 0; i < requests; i++) await timed(pool, '/api/chat', SERVER_HEADERS, body);
        return { requests, fromUs, toUs: hrtimeUs() };
      } finally {
        await pool.close();
      }
    },
  });
}

export async function runImage(options: ImageOptions): Promise<ImageResult> {
  const base64 = buildPng(options.imageBytes).toString('base64');
  const proxiedBody = restBody(base64);
  const fakeBody = directBody(base64);
  const server = await startServer({ gatewayUrl: options.fake.url, name: 'server (image)' });
  const proxied = makePool(server.url, 1);
  const direct = makePool(options.fake.url, 1);
  const deadline = Date.now() + options.maxMs;
  try {
    // Warm the code paths with small requests (incl. a small image), so the measurement is the image itself.
    for (let i = 0; i < 20; i++) await timed(proxied, '/api/chat', SERVER_HEADERS, restBody(TINY_PNG));
    await timed(direct, '/v1/responses', FAKE_HEADERS, directBody(TINY_PNG));
    await sleep(500);

    const before = memStatus(server.pid);
    let peakKb = before.rssKb;
    let samples = 0;
    const sampler = setInterval(() => {
      try {
        const rss = memStatus(server.pid).rssKb;
        samples++;
        if (rss > peakKb) peakKb = rss;
      } catch {
        // process gone: the request will fail and say so
      }
    }, 5);
    const cpuBefore = cpuMicros(server.pid);
    let firstMs: number;
    try {
      firstMs = await timed(proxied, '/api/chat', SERVER_HEADERS, proxiedBody);
      await sleep(50); // catch the tail (freeing after the response)
    } finally {
      clearInterval(sampler);
    }
    const serverCpuMsFirst = (cpuMicros(server.pid) - cpuBefore) / 1000;
    const after = memStatus(server.pid);
    const peak = Math.max(peakKb, after.hwmKb > before.hwmKb ? after.hwmKb : 0);
    const growthKb = peak - before.rssKb;

    const proxiedMs = [firstMs];
    const directMs = [await timed(direct, '/v1/responses', FAKE_HEADERS, fakeBody)];
    for (let i = 1; i < options.repeats && Date.now() < deadline; i++) {
      proxiedMs.push(await timed(proxied, '/api/chat', SERVER_HEADERS, proxiedBody));
      directMs.push(await timed(direct, '/v1/responses', FAKE_HEADERS, fakeBody));
    }
    await sleep(300);
    return {
      imageBytes: options.imageBytes,
      base64Chars: base64.length,
      requestBodyBytes: Buffer.byteLength(proxiedBody),
      rssBeforeMb: round(before.rssKb / 1024),
      hwmBeforeMb: round(before.hwmKb / 1024),
      hwmAfterMb: round(after.hwmKb / 1024),
      sampledPeakMb: round(peakKb / 1024),
      samples,
      peakGrowthMb: round(growthKb / 1024),
      peakGrowthXImage: round((growthKb * 1024) / options.imageBytes, 2),
      rssAfterMb: round(memStatus(server.pid).rssKb / 1024),
      serverCpuMsFirst: round(serverCpuMsFirst, 1),
      proxiedMs: proxiedMs.map((v) => round(v, 1)),
      directMs: directMs.map((v) => round(v, 1)),
      addedLatencyMs: round(median(proxiedMs) - median(directMs), 1),
    };
  } finally {
    await Promise.all([proxied.close(), direct.close()]);
    await stopProc(server);
  }
}
