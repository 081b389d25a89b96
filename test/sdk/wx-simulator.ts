import { type ClientRequest, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { WxChunk, WxHeadersReceived, WxLike, WxRequestOptions, WxRequestTask } from '../../sdk/src/wx-types.ts';

export interface WxSimulatorOptions {
  /** Seed for the chunking decisions; print it to reproduce a failure. */
  seed?: number;
  /** Chance that a chunked request delivers no chunk and the whole body only in `success` (PC WeChat). */
  noChunkProbability?: number;
  /** Chance that `abort()` on a chunked request is ignored (dev tools). */
  ignoreAbortProbability?: number;
  /** Chance that `success` of a chunked request repeats the whole body although chunks were delivered. */
  bodyInSuccessProbability?: number;
  /** Upper bound of the random pause before each chunk callback. */
  maxDelayMs?: number;
}

export interface RecordedRequest {
  url: string;
  header: Record<string, string>;
  body: unknown;
  enableChunked: boolean;
  mode: 'plain' | 'chunks' | 'success-only';
  aborted: boolean;
}

export interface WxSimulator {
  wx: WxLike;
  seed: number;
  requests: RecordedRequest[];
  /** The next chunked request goes silent after `afterBytes` body bytes: no more chunks, no callback at all. */
  dropNextStream(afterBytes: number): void;
  /** Fails every open request with `request:fail interrupted`, as WeChat does 5 s after the app went to background. */
  interruptOpenRequests(): void;
  /** While offline, new requests fail at once with `request:fail interrupted` (the app is in the background). */
  setOffline(offline: boolean): void;
  /** Destroys every open connection. */
  close(): void;
}

/** mulberry32: small, seedable, good enough to shuffle chunk boundaries. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function requestBody(data: WxRequestOptions['data']): string | Buffer {
  if (data === undefined) return '';
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return JSON.stringify(data);
}

/**
 * A `wx` whose `request` goes over real loopback HTTP and then misbehaves like phones do: chunk boundaries anywhere
 * (inside UTF-8 characters too), several writes merged, callbacks delayed, sometimes no chunk at all, silent drops.
 */
export function createWxSimulator(options: WxSimulatorOptions = {}): WxSimulator {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = randomSource(seed);
  const maxDelayMs = options.maxDelayMs ?? 3;
  const requests: RecordedRequest[] = [];
  const open = new Set<ClientRequest>();
  const interrupters = new Set<() => void>();
  let offline = false;
  let pendingDrop: number | undefined;

  function request(wxOptions: WxRequestOptions): WxRequestTask {
    const chunkListeners: ((chunk: WxChunk) => void)[] = [];
    const headerListeners: ((result: WxHeadersReceived) => void)[] = [];
    const chunked = wxOptions.enableChunked === true;
    const mode: RecordedRequest['mode'] = !chunked
      ? 'plain'
      : random() < (options.noChunkProbability ?? 0)
        ? 'success-only'
        : 'chunks';
    const dropAfter = chunked ? pendingDrop : undefined;
    if (chunked) pendingDrop = undefined;
    const ignoreAbort = chunked && random() < (options.ignoreAbortProbability ?? 0);
    const bodyInSuccess = random() < (options.bodyInSuccessProbability ?? 0);
    const body = requestBody(wxOptions.data);
    const header = wxOptions.header ?? {};
    const recorded: RecordedRequest = {
      url: wxOptions.url,
      header,
      body: typeof body === 'string' && body.startsWith('{') ? JSON.parse(body) : body,
      enableChunked: chunked,
      mode,
      aborted: false,
    };
    requests.push(recorded);

    let finished = false; // a final callback (success/fail) was delivered or must never be
    let silent = false; // the simulated network went away without telling anyone
    let deliveredBytes = 0;
    let pending = Buffer.alloc(0);
    let delivery = Promise.resolve();
    const received: Buffer[] = [];
    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    const pause = () => sleep(Math.floor(random() * (maxDelayMs + 1)));

    const finish = (callback: () => void) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      callback();
      wxOptions.complete?.();
    };
    const fail = (errMsg: string) => finish(() => wxOptions.fail?.({ errMsg }));

    const deliver = (bytes: Buffer) => {
      if (silent || finished || bytes.length === 0) return;
      let piece = bytes;
      if (dropAfter !== undefined && deliveredBytes + piece.length >= dropAfter) {
        piece = piece.subarray(0, dropAfter - deliveredBytes);
        silent = true;
      }
      deliveredBytes += piece.length;
      if (piece.length > 0) for (const listener of [...chunkListeners]) listener({ data: toArrayBuffer(piece) });
    };
    /** Re-splits what arrived so far at random points; some bytes wait to merge with the next server write. */
    const flush = (all: boolean) => {
      delivery = delivery.then(async () => {
        while (pending.length > 0) {
          if (!all && random() < 0.3) return;
          const size = random() < 0.5 ? 1 + Math.floor(random() * 4) : 1 + Math.floor(random() * pending.length);
          const piece = pending.subarray(0, size);
          pending = pending.subarray(size);
          await pause();
          deliver(piece);
        }
      });
      return delivery;
    };

    if (offline) {
      setTimeout(() => {
        wxOptions.fail?.({ errMsg: 'request:fail interrupted' });
        wxOptions.complete?.();
      }, 0);
      return { abort() {} };
    }
    const url = new URL(wxOptions.url);
    const req = httpRequest({
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      method: wxOptions.method ?? 'GET',
      headers: { ...header, 'Content-Length': String(Buffer.byteLength(body)) },
    });
    open.add(req);
    const interrupt = () => {
      req.destroy();
      fail('request:fail interrupted');
    };
    interrupters.add(interrupt);
    req.on('close', () => interrupters.delete(interrupt));
    const timer = setTimeout(() => {
      req.destroy();
      if (!silent) fail('request:fail timeout');
    }, wxOptions.timeout ?? 60_000);

    req.on('response', (res) => {
      const responseHeader = flattenHeaders(res.headers);
      const statusCode = res.statusCode ?? 0;
      if (chunked) {
        setTimeout(() => {
          if (!finished && !silent)
            for (const listener of headerListeners) listener({ header: responseHeader, statusCode });
        }, 0);
      }
      res.on('data', (data: Buffer) => {
        received.push(data);
        if (mode === 'chunks') {
          pending = Buffer.concat([pending, data]);
          void flush(false);
        }
      });
      res.on('end', async () => {
        if (mode === 'chunks') await flush(true);
        await pause();
        if (silent) return;
        const whole = Buffer.concat(received);
        let data: unknown;
        if (mode === 'chunks') {
          data = bodyInSuccess ? whole.toString('utf8') : '';
        } else if (wxOptions.responseType === 'arraybuffer' || (mode === 'success-only' && random() < 0.5)) {
          data = toArrayBuffer(whole);
        } else {
          data = whole.toString('utf8');
          if ((wxOptions.dataType ?? 'json') === 'json') {
            try {
              data = JSON.parse(data as string);
            } catch {
              // wx hands over the text when it is not JSON
            }
          }
        }
        finish(() => wxOptions.success?.({ statusCode, data, header: responseHeader }));
      });
      res.on('error', () => {
        if (!silent) fail('request:fail connection reset');
      });
    });
    req.on('error', (error) => {
      if (!silent && !recorded.aborted) fail(`request:fail ${error.message}`);
    });
    req.on('close', () => open.delete(req));
    req.end(body);

    return {
      abort() {
        recorded.aborted = true;
        if (ignoreAbort && !silent) return;
        req.destroy();
        setTimeout(() => fail('request:fail abort'), 0);
      },
      onChunkReceived: (listener) => chunkListeners.push(listener),
      offChunkReceived: (listener) => {
        const index = chunkListeners.indexOf(listener);
        if (index !== -1) chunkListeners.splice(index, 1);
      },
      onHeadersReceived: (listener) => headerListeners.push(listener),
      offHeadersReceived: (listener) => {
        const index = headerListeners.indexOf(listener);
        if (index !== -1) headerListeners.splice(index, 1);
      },
    };
  }

  return {
    wx: { request },
    seed,
    requests,
    dropNextStream(afterBytes) {
      pendingDrop = afterBytes;
    },
    interruptOpenRequests() {
      for (const interrupt of [...interrupters]) interrupt();
    },
    setOffline(value) {
      offline = value;
    },
    close() {
      for (const req of open) req.destroy();
      open.clear();
    },
  };
}
