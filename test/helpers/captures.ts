import { readFileSync } from 'node:fs';
import type { GatewayEvent, StreamDecoder } from '../../src/gateway/events.ts';
import { SseParser } from '../../src/gateway/sse.ts';

/** The raw HTTP body of a captured exchange: after the header block, before the wall-time line. */
export function captureBody(name: string): string {
  const raw = readFileSync(new URL(`../fixtures/openclaw-wire/${name}`, import.meta.url), 'utf8');
  const blank = /\r?\n\r?\n/g;
  blank.lastIndex = raw.indexOf('### response');
  const match = blank.exec(raw);
  if (!match) throw new Error(`${name}: no header/body separator`);
  const start = match.index + match[0].length;
  const end = raw.indexOf('\n### client wall time', start);
  return raw.slice(start, end === -1 ? undefined : end);
}

/** What the gateway client does with a body: bytes → TextDecoder(stream) → SseParser → decoder → finish. */
export function decodeBytes(pieces: readonly Uint8Array[], decoder: StreamDecoder): GatewayEvent[] {
  const utf8 = new TextDecoder();
  const sse = new SseParser();
  const out: GatewayEvent[] = [];
  for (const piece of pieces) {
    for (const m of sse.push(utf8.decode(piece, { stream: true }))) out.push(...decoder.decode(m.event, m.data));
  }
  for (const m of sse.push(utf8.decode())) out.push(...decoder.decode(m.event, m.data));
  for (const m of sse.end()) out.push(...decoder.decode(m.event, m.data));
  out.push(...decoder.finish());
  return out;
}

/** Cuts bytes at the given positions (taken modulo length, deduplicated), never yielding empty pieces. */
export function splitBytes(bytes: Uint8Array, positions: readonly number[]): Uint8Array[] {
  const points = [...new Set(positions.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let last = 0;
  for (const p of [...points, bytes.length]) {
    if (p > last) pieces.push(bytes.subarray(last, p));
    last = Math.max(last, p);
  }
  return pieces;
}
