import { request } from 'undici';
import { sniffImage } from '../attachments.ts';
import type { GeneratedMedia } from '../events.ts';
import type { WsConnection } from './connection.ts';
import type { ArtifactRef } from './run-events.ts';

export interface ArtifactDownloadOptions {
  connection: WsConnection;
  /** The gateway's http(s) base URL: media URLs are only fetched from its origin. */
  gatewayUrl: string;
  token: string | undefined;
  /** Per artifact, decoded. */
  maxBytes: number;
  /** Per artifact: the RPC and the fetch together. */
  timeoutMs: number;
  /** Artifacts kept per run at most. */
  maxCount: number;
}

export type DownloadLog = (message: string, fields: Record<string, unknown>) => void;

class DownloadError extends Error {}

/** A bare name safe to show: no directories, no control characters, bounded. */
export function safeName(name: string | null, fallback: string): string {
  const base = (name ?? '').split(/[/\\]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim();
  return clean === '' || clean === '.' || clean === '..' ? fallback : clean.slice(0, 255);
}

/** Reads a body up to `limit` bytes; past it the body is destroyed and the download refused. */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new DownloadError(`larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The gateway's media URLs (a ticket URL from artifacts.download, or a block's own path) are relative to it; an
 * absolute one elsewhere is refused, so a hostile transcript cannot make this server fetch arbitrary hosts.
 */
function gatewayUrlFor(path: string, base: string): URL {
  const url = new URL(path, base);
  if (url.origin !== new URL(base).origin) throw new DownloadError('media URL outside the gateway');
  return url;
}

async function fetchBytes(url: URL, authorization: string | undefined, limit: number, signal: AbortSignal) {
  const response = await request(url, {
    method: 'GET',
    headers: authorization ? { authorization } : {},
    // undici follows no redirects: a 3xx is refused below like any other non-200.
    signal,
  });
  if (response.statusCode !== 200) {
    await response.body.dump().catch(() => {});
    throw new DownloadError(`gateway answered HTTP ${response.statusCode}`);
  }
  const length = Number(response.headers['content-length']);
  if (Number.isFinite(length) && length > limit) {
    response.body.destroy();
    throw new DownloadError(`larger than ${limit} bytes`);
  }
  return readCapped(response.body as never, limit);
}

interface DownloadResult {
  data?: unknown;
  encoding?: unknown;
  url?: unknown;
  artifact?: { title?: unknown; mimeType?: unknown };
}

/** One artifact's bytes: artifacts.download (base64 in the reply, or a ticket URL), else the block path + token. */
async function downloadOne(
  options: ArtifactDownloadOptions,
  sessionKey: string,
  ref: ArtifactRef,
  signal: AbortSignal,
): Promise<Buffer> {
  const { connection, gatewayUrl, maxBytes } = options;
  const result = await connection
    .request<DownloadResult>('artifacts.download', { sessionKey, artifactId: ref.artifactId }, options.timeoutMs)
    .catch(() => undefined);
  signal.throwIfAborted();
  if (typeof result?.data === 'string') {
    if (result.data.length > Math.ceil(maxBytes / 3) * 4 + 4) throw new DownloadError(`larger than ${maxBytes} bytes`);
    return Buffer.from(result.data, 'base64');
  }
  if (typeof result?.url === 'string') {
    return fetchBytes(gatewayUrlFor(result.url, gatewayUrl), undefined, maxBytes, signal);
  }
  if (!ref.path) throw new DownloadError('the gateway offers no download for it');
  const authorization = options.token ? `Bearer ${options.token}` : undefined;
  return fetchBytes(gatewayUrlFor(ref.path, gatewayUrl), authorization, maxBytes, signal);
}

/** Images are images only when their bytes say so; anything else is kept as a file with the type it declared. */
function describe(ref: ArtifactRef, bytes: Buffer, index: number): Omit<GeneratedMedia, 'bytes'> {
  const sniffed = sniffImage(bytes);
  if (sniffed) {
    return { kind: 'image', mimeType: sniffed, name: safeName(ref.name, `image-${index + 1}.${sniffed.slice(6)}`) };
  }
  const declared = ref.mimeType && /^[\w.+-]+\/[\w.+-]+$/.test(ref.mimeType) ? ref.mimeType.toLowerCase() : undefined;
  const mimeType = declared && !declared.startsWith('image/') ? declared : 'application/octet-stream';
  return { kind: 'file', mimeType, name: safeName(ref.name, `file-${index + 1}`) };
}

/**
 * Downloads a run's artifacts one after another, each bounded in size and time. One that fails (too large, gone,
 * slow) is skipped and logged; the others are kept.
 */
export async function downloadArtifacts(
  options: ArtifactDownloadOptions,
  sessionKey: string,
  refs: ArtifactRef[],
  signal: AbortSignal,
  log: DownloadLog,
): Promise<GeneratedMedia[]> {
  const media: GeneratedMedia[] = [];
  if (refs.length > options.maxCount) {
    log('generated media over the per-run count: the rest are dropped', { kept: options.maxCount, found: refs.length });
  }
  for (const [index, ref] of refs.slice(0, options.maxCount).entries()) {
    if (signal.aborted) break;
    const timeout = AbortSignal.timeout(options.timeoutMs);
    try {
      if (ref.sizeBytes !== null && ref.sizeBytes > options.maxBytes) {
        throw new DownloadError(`larger than ${options.maxBytes} bytes`);
      }
      const bytes = await downloadOne(options, sessionKey, ref, AbortSignal.any([signal, timeout]));
      media.push({ ...describe(ref, bytes, index), bytes });
    } catch (error) {
      if (signal.aborted) break;
      const reason =
        error instanceof DownloadError ? error.message : timeout.aborted ? 'timed out' : 'the download failed';
      log('generated media not kept', { artifactId: ref.artifactId, reason });
    }
  }
  return media;
}
