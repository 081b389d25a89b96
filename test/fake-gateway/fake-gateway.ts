/**
 * In-repo fake of the OpenClaw 2026.9.6 gateway HTTP API (`/v1/chat/completions`, `/v1/responses`).
 *
 * It replays the wire shapes captured from the real gateway (/work/shared/openclaw-wire, contract in
 * openclaw-gateway.md): headers, error envelopes, ids, SSE event order. The "model" echoes the last user text
 * like the real harness's fake LLM. Magic words in the last user text trigger failure modes (see MAGIC_FLAGS,
 * MAGIC_NUMBERS).
 *
 * Only `node:` built-ins; one JSON.parse per request and no per-delta object serialisation, because the
 * latency/CPU benchmark also runs against it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  /** Lowercased names, as received (repeated headers joined with ', '). */
  headers: Record<string, string>;
  /** Parsed JSON body; undefined if unparsable, too large, or not read (404/401 are answered before reading). */
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of arbitrary shape, for test assertions
  body: any;
  /** Bytes received (413: the declared Content-Length when rejected before reading, else bytes read until the cap). */
  bodyBytes: number;
  /** True if the client closed the connection before the fake finished responding. */
  closedEarly: boolean;
  /** Resolves when the response finished or the client went away. */
  closed: Promise<void>;
}

export type FakeEndpoint = 'chatCompletions' | 'responses';

export interface FakeGatewayOptions {
  /** Bearer token; default 'fake-token'. Wrong or missing bearer → 401. */
  token?: string;
  /** Disabled endpoints answer 404 text/plain "Not Found" before auth. */
  disabled?: FakeEndpoint[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (random free port). */
  port?: number;
  /** Delay between stream deltas (non-stream: waits the same total before answering). Default 0. */
  deltaDelayMs?: number;
}

export interface FakeGateway {
  url: string;
  requests: RecordedRequest[];
  last(): RecordedRequest | undefined;
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  reset(): void;
  close(): Promise<void>;
}

/**
 * Magic words recognised anywhere in the last user message text, by plain substring match. Each flag word sets
 * the `Magic` field of the same key; each number word is followed by a decimal integer (`FAKE_SLOW_250`,
 * `FAKE_DELTAS_5`) and sets its field to that number.
 */
export const MAGIC_FLAGS = {
  fail500: 'FAKE_FAIL_500',
  err500: 'FAKE_500',
  race: 'FAKE_RACE',
  rateLimited: 'FAKE_429',
  hang: 'FAKE_HANG',
  silent: 'FAKE_SILENT',
  cut: 'FAKE_CUT',
  media: 'FAKE_MEDIA',
  chinese: 'FAKE_CHINESE',
  long: 'FAKE_LONG',
} as const;
export const MAGIC_NUMBERS = { slowMs: 'FAKE_SLOW_', deltas: 'FAKE_DELTAS_', paceMs: 'FAKE_PACE_' } as const;

export const FAKE_MEDIA_TEXT =
  'Here is the chart: ![chart](https://example.com/chart.png) and the [report](https://example.com/report.pdf). ' +
  'Photo: https://example.com/photo.jpg';
export const FAKE_CHINESE_TEXT = '你好，世界！这是一个流式回答。🚀';

const MAX_BODY_BYTES = 20 * 1024 * 1024;
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const MAX_FILE_BYTES = 5 * 1024 * 1024;
const MAX_CHAT_IMAGES = 8;
const MAX_CHAT_IMAGE_TOTAL = 20 * 1024 * 1024;
const MAX_DELTAS = 100_000;
const MAX_REMEMBERED_RESPONSES = 500;
const BASE_PROMPT_TOKENS = 11_500;
const KNOWN_AGENTS = new Set(['main', 'helper']);
const IMAGE_MIMES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/heic', 'image/heif']);
const FILE_MIMES = new Set([
  'text/plain',
  'text/markdown',
  'text/html',
  'text/csv',
  'application/json',
  'application/pdf',
]);
const ROLES = new Set(['system', 'developer', 'user', 'assistant']);
const RESPONSES_KEYS = new Set([
  'model',
  'input',
  'instructions',
  'stream',
  'max_output_tokens',
  'temperature',
  'top_p',
  'user',
  'previous_response_id',
  'tools',
  'tool_choice',
  'text',
  'reasoning',
  'metadata',
  'store',
  'max_tool_calls',
  'truncation',
]);
const RESERVED_SESSION_PREFIX = /^(?:subagent|cron|acp):/;

const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['Permissions-Policy', 'camera=(), microphone=(self), geolocation=()'],
];
const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const SSE_TYPE = 'text/event-stream; charset=utf-8';

const ERR_UNAUTHORIZED = '{"error":{"message":"Unauthorized","type":"unauthorized"}}';
const ERR_TOO_LARGE = '{"error":{"message":"Payload too large","type":"invalid_request_error"}}';
const ERR_UPSTREAM = '{"error":{"message":"upstream provider error","type":"api_error"}}';
const ERR_INTERNAL = '{"error":{"message":"internal error","type":"api_error"}}';
const ERR_RATE_LIMITED = '{"error":{"message":"rate limited","type":"rate_limited"}}';
const ERR_INVALID_REQUEST = 'invalid request';
const MSG_INVALID_MODEL = 'Invalid `model`. Use `openclaw` or `openclaw/<agentId>`.';
const MSG_RESERVED_SESSION = '`x-openclaw-session-key` cannot use reserved internal session namespaces.';
const MSG_INVALID_CHAT_IMAGE = 'Invalid image_url content in `messages`.';
const MSG_INPUT_INVALID = 'input: Invalid input';
const ZERO_RESPONSES_USAGE =
  '{"input_tokens":0,"input_tokens_details":{"cached_tokens":0,"cache_write_tokens":0},"output_tokens":0,' +
  '"output_tokens_details":{"reasoning_tokens":0},"total_tokens":0}';

// biome-ignore lint/suspicious/noExplicitAny: untyped parsed JSON, narrowed by hand
type Json = any;

type Magic = Record<keyof typeof MAGIC_FLAGS, boolean> &
  Record<Exclude<keyof typeof MAGIC_NUMBERS, 'paceMs'>, number> & {
    /** FAKE_PACE_<ms>: this stream's delay between deltas (else the fake's deltaDelayMs). */
    paceMs: number | undefined;
  };

interface State {
  token: string;
  disabled: Set<FakeEndpoint>;
  deltaDelayMs: number;
  startedAt: number;
  requests: RecordedRequest[];
  /** Records whose body is not yet read/decided. */
  pending: Set<RecordedRequest>;
  waiters: Set<() => void>;
  /** Stable session key → number of accepted turns. */
  sessions: Map<string, number>;
  /** Session keys that already had their FAKE_RACE first turn. */
  raceSeen: Set<string>;
  /** response id → session (for previous_response_id). */
  responseSessions: Map<string, { session: string; turns: number }>;
  /** Requests whose response has not finished or been closed yet (for GET /__stats). */
  open: number;
}

/** Per-request run state: lets a client disconnect stop timers and loops. */
interface Run {
  gone: boolean;
  selfCut: boolean;
  timer: NodeJS.Timeout | undefined;
  wake: (() => void) | undefined;
}

/** What the model sees for one turn, endpoint-independent. */
interface Turn {
  stream: boolean;
  /** Chat only: `stream_options.include_usage`. */
  includeUsage: boolean;
  model: string;
  /** Raw text of the last user message (magic words are looked up here). */
  userText: string;
  /** Text the echo repeats (history flattened in front, like the real gateway does). */
  echoText: string;
  images: number;
  files: number;
  session: string;
  stable: boolean;
  bodyBytes: number;
}

/** One accepted turn being answered: what every endpoint handler needs, built once by `respond()`. */
interface Exchange {
  state: State;
  turn: Turn;
  /** Turns this session had before this one. */
  history: number;
  magic: Magic | undefined;
  res: ServerResponse;
  run: Run;
}

interface Answer {
  text: string;
  deltas: string[];
  promptTokens: number;
}

export async function startFakeGateway(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
  const state: State = {
    token: options.token ?? 'fake-token',
    disabled: new Set(options.disabled ?? []),
    deltaDelayMs: Math.max(0, options.deltaDelayMs ?? 0),
    startedAt: Date.now(),
    requests: [],
    pending: new Set(),
    waiters: new Set(),
    sessions: new Map(),
    raceSeen: new Set(),
    responseSessions: new Map(),
    open: 0,
  };

  const server = createServer((req, res) => {
    handle(state, req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, ERR_INTERNAL);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host}:${address.port}`,
    requests: state.requests,
    last: () => state.requests.at(-1),
    waitForRequests: (n, timeoutMs = 5000) => waitForRequests(state, n, timeoutMs),
    reset() {
      state.requests.length = 0;
      state.pending.clear();
      state.sessions.clear();
      state.raceSeen.clear();
      state.responseSessions.clear();
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function waitForRequests(state: State, n: number, timeoutMs: number): Promise<RecordedRequest[]> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      if (state.requests.length < n) return false;
      for (let i = 0; i < n; i++) if (state.pending.has(state.requests[i]!)) return false;
      return true;
    };
    if (check()) {
      resolve(state.requests.slice());
      return;
    }
    const waiter = () => {
      if (!check()) return;
      clearTimeout(timer);
      state.waiters.delete(waiter);
      resolve(state.requests.slice());
    };
    const timer = setTimeout(() => {
      state.waiters.delete(waiter);
      reject(new Error(`waitForRequests(${n}): only ${state.requests.length} request(s) after ${timeoutMs} ms`));
    }, timeoutMs);
    state.waiters.add(waiter);
  });
}

function settle(state: State, rec: RecordedRequest | undefined): void {
  if (!rec || !state.pending.delete(rec)) return;
  for (const waiter of state.waiters) waiter();
}

async function handle(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const method = req.method ?? 'GET';

  if (path === '/__stats') {
    // For benchmarks in another process: how many requests arrived, how many are still open.
    const body = JSON.stringify({ requests: state.requests.length, open: state.open });
    res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  if (path === '/healthz' || path === '/readyz') {
    const body =
      path === '/healthz'
        ? '{"ok":true,"status":"live"}'
        : `{"ready":true,"failing":[],"uptimeMs":${Date.now() - state.startedAt}}`;
    writeHeaders(res);
    res.setHeader('Content-Type', JSON_TYPE);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(method === 'HEAD' ? undefined : body);
    return;
  }
  if (!path.startsWith('/v1/')) return sendText(res, 404, 'Not Found');

  const run: Run = { gone: false, selfCut: false, timer: undefined, wake: undefined };
  let rec: RecordedRequest | undefined;
  if (method === 'POST') {
    rec = record(state, req, path, res, run);
  } else {
    res.once('close', () => stopRun(run));
  }

  const endpoint: FakeEndpoint | undefined =
    path === '/v1/chat/completions' ? 'chatCompletions' : path === '/v1/responses' ? 'responses' : undefined;

  if (path === '/v1/models') {
    settle(state, rec);
    if (state.disabled.size === 2) return sendText(res, 404, 'Not Found');
    if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'Method Not Allowed', 'GET');
    if (!authorized(state, req)) return sendJson(res, 401, ERR_UNAUTHORIZED);
    return sendJson(res, 200, MODELS_BODY);
  }
  if (!endpoint || state.disabled.has(endpoint)) {
    settle(state, rec);
    return sendText(res, 404, 'Not Found');
  }
  if (method !== 'POST') return sendText(res, 405, 'Method Not Allowed', 'POST');
  if (!authorized(state, req)) {
    settle(state, rec);
    return sendJson(res, 401, ERR_UNAUTHORIZED);
  }

  const raw = await readBody(req, res, rec!);
  if (raw === undefined) {
    settle(state, rec);
    return; // 413 sent, or the client went away
  }
  let body: Json;
  try {
    body = raw.length === 0 ? {} : JSON.parse(raw);
  } catch (err) {
    settle(state, rec);
    return sendError(res, 400, (err as Error).message, 'invalid_request_error');
  }
  rec!.body = body;
  settle(state, rec);

  const turn =
    endpoint === 'chatCompletions'
      ? parseChat(state, req, body, rec!.bodyBytes)
      : parseResponses(state, req, body, rec!.bodyBytes);
  if (typeof turn === 'string') return sendError(res, 400, turn, 'invalid_request_error');
  await respond(state, endpoint, turn, res, run);
}

function record(state: State, req: IncomingMessage, path: string, res: ServerResponse, run: Run): RecordedRequest {
  const headers: Record<string, string> = {};
  for (const name in req.headers) {
    const value = req.headers[name];
    headers[name] = Array.isArray(value) ? value.join(', ') : (value ?? '');
  }
  let resolveClosed!: () => void;
  const rec: RecordedRequest = {
    method: req.method ?? 'POST',
    path,
    headers,
    body: undefined,
    bodyBytes: 0,
    closedEarly: false,
    closed: new Promise<void>((resolve) => {
      resolveClosed = resolve;
    }),
  };
  state.open++;
  res.once('close', () => {
    state.open--;
    if (!res.writableFinished && !run.selfCut) rec.closedEarly = true;
    stopRun(run);
    settle(state, rec);
    resolveClosed();
  });
  state.requests.push(rec);
  state.pending.add(rec);
  return rec;
}

function stopRun(run: Run): void {
  run.gone = true;
  if (run.timer) clearTimeout(run.timer);
  run.timer = undefined;
  const wake = run.wake;
  run.wake = undefined;
  wake?.();
}

function sleep(run: Run, ms: number): Promise<void> {
  if (ms <= 0 || run.gone) return Promise.resolve();
  return new Promise((resolve) => {
    run.wake = resolve;
    run.timer = setTimeout(() => {
      run.timer = undefined;
      run.wake = undefined;
      resolve();
    }, ms);
  });
}

function drained(run: Run, res: ServerResponse): Promise<void> {
  // Uncorking may already have flushed and emitted 'drain' synchronously.
  if (run.gone || !res.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    run.wake = resolve;
    res.once('drain', () => {
      run.wake = undefined;
      resolve();
    });
  });
}

/** Resolves with the body text, or undefined after answering 413 or when the client went away. */
function readBody(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): Promise<string | undefined> {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) {
    rec.bodyBytes = declared; // rejected from Content-Length without reading
    tooLarge(req, res);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      rec.bodyBytes = size;
      if (size > MAX_BODY_BYTES) {
        cleanup();
        tooLarge(req, res);
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    };
    const onGone = () => {
      cleanup();
      resolve(undefined);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  req.pause();
  writeHeaders(res);
  res.setHeader('Connection', 'close');
  res.setHeader('Content-Length', ERR_TOO_LARGE.length);
  res.setHeader('Content-Type', JSON_TYPE);
  res.statusCode = 413;
  res.end(ERR_TOO_LARGE);
}

function authorized(state: State, req: IncomingMessage): boolean {
  const header = req.headers.authorization;
  if (!header) return false;
  const match = /^bearer\s+(.+)$/i.exec(header.trim());
  return match !== null && match[1] === state.token;
}

function writeHeaders(res: ServerResponse): void {
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
}

function sendJson(res: ServerResponse, status: number, body: string, extra?: [string, string]): void {
  writeHeaders(res);
  if (extra) res.setHeader(extra[0], extra[1]);
  res.setHeader('Content-Type', JSON_TYPE);
  res.statusCode = status;
  res.end(body);
}

function sendError(res: ServerResponse, status: number, message: string, type: string): void {
  sendJson(res, status, `{"error":{"message":${JSON.stringify(message)},"type":"${type}"}}`);
}

function sendText(res: ServerResponse, status: number, text: string, allow?: string): void {
  writeHeaders(res);
  if (allow) res.setHeader('Allow', allow);
  res.setHeader('Content-Type', TEXT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.statusCode = status;
  res.end(text);
}

const MODELS_BODY = JSON.stringify({
  object: 'list',
  data: ['openclaw', 'openclaw/default', 'openclaw/main'].map((id) => ({
    id,
    object: 'model',
    created: 0,
    owned_by: 'openclaw',
    permission: [],
  })),
});

// ---------------------------------------------------------------------------------------------------------------
// Request parsing

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Agent id from `model` (+ `x-openclaw-agent-id`), or an error message. */
function resolveAgent(req: IncomingMessage, model: unknown): { agent: string } | string {
  if (typeof model !== 'string') return MSG_INVALID_MODEL;
  const m = model.trim();
  let id: string;
  if (m === 'openclaw') id = 'main';
  else if (m.startsWith('openclaw/') || m.startsWith('openclaw:')) id = m.slice(9);
  else if (m.startsWith('agent:')) id = m.slice(6);
  else return MSG_INVALID_MODEL;
  if (id.trim() === '') return MSG_INVALID_MODEL;
  const header = req.headers['x-openclaw-agent-id'];
  if (typeof header === 'string' && header.trim() !== '') id = header.trim();
  const agent = id.toLowerCase() === 'default' ? 'main' : id.toLowerCase();
  if (!KNOWN_AGENTS.has(agent)) return `Unknown agent '${id}'.`;
  return { agent };
}

interface SessionInfo {
  session: string;
  stable: boolean;
}

function resolveSession(
  state: State,
  req: IncomingMessage,
  agent: string,
  prefix: 'openai' | 'openresponses',
  user: unknown,
  previousResponseId: unknown,
): SessionInfo | string {
  const header = req.headers['x-openclaw-session-key'];
  if (typeof header === 'string' && header.trim() !== '') {
    const key = header.trim().toLowerCase();
    if (RESERVED_SESSION_PREFIX.test(key)) return MSG_RESERVED_SESSION;
    return { session: key.startsWith('agent:') ? key : `agent:${agent}:${key}`, stable: true };
  }
  if (typeof previousResponseId === 'string') {
    const prev = state.responseSessions.get(previousResponseId);
    if (prev) {
      if (!state.sessions.has(prev.session)) state.sessions.set(prev.session, prev.turns);
      return { session: prev.session, stable: true };
    }
  }
  if (typeof user === 'string' && user.trim() !== '') {
    return { session: `agent:${agent}:${prefix}-user:${user.trim().toLowerCase()}`, stable: true };
  }
  return { session: `agent:${agent}:${prefix}:${randomUUID()}`, stable: false };
}

function textOfParts(content: unknown, textTypes: ReadonlySet<string>): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (isObject(part) && textTypes.has(part.type) && typeof part.text === 'string') {
      text = text === '' ? part.text : `${text}\n${part.text}`;
    }
  }
  return text;
}

/** The real gateway flattens resent history into the current message (wire 10o, 04b). */
function flattenHistory(history: string[], current: string): string {
  if (history.length === 0) return current;
  return `[Chat messages since your last reply - for context]\n${history.join('\n')}\n\n[Current message - respond to this]\nUser: ${current}`;
}

const CHAT_TEXT_TYPES = new Set(['text', 'input_text']);
const RESP_TEXT_TYPES = new Set(['input_text', 'output_text']);

function parseChat(state: State, req: IncomingMessage, body: Json, bodyBytes: number): Turn | string {
  if (!isObject(body)) body = {};
  if (body.temperature !== undefined) {
    const t = body.temperature;
    if (typeof t !== 'number' || t < 0 || t > 2) return '`temperature` must be between 0 and 2.';
  }
  const model = body.model ?? 'openclaw';
  const agent = resolveAgent(req, model);
  if (typeof agent === 'string') return agent;
  const session = resolveSession(state, req, agent.agent, 'openai', body.user, undefined);
  if (typeof session === 'string') return session;

  const messages: unknown[] = Array.isArray(body.messages) ? body.messages : [];
  let lastUser = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (isObject(m) && m.role === 'user') {
      lastUser = i;
      break;
    }
  }
  const current = lastUser >= 0 ? (messages[lastUser] as Record<string, Json>) : undefined;
  const userText = current ? textOfParts(current.content, CHAT_TEXT_TYPES) : '';
  let images = 0;
  if (current && Array.isArray(current.content)) {
    let total = 0;
    for (const part of current.content) {
      if (!isObject(part) || part.type !== 'image_url') continue;
      images++;
      const url = typeof part.image_url === 'string' ? part.image_url : part.image_url?.url;
      const bytes = typeof url === 'string' ? dataUrlBytes(url) : -1;
      if (bytes < 0 || bytes > MAX_IMAGE_BYTES || images > MAX_CHAT_IMAGES) return MSG_INVALID_CHAT_IMAGE;
      total += bytes;
      if (total > MAX_CHAT_IMAGE_TOTAL) return MSG_INVALID_CHAT_IMAGE;
    }
  }
  if (userText.trim() === '' && images === 0) return 'Missing user message in `messages`.';

  const history: string[] = [];
  for (let i = 0; i < lastUser; i++) {
    const m = messages[i];
    if (!isObject(m) || (m.role !== 'user' && m.role !== 'assistant')) continue;
    const text = textOfParts(m.content, CHAT_TEXT_TYPES);
    if (text.trim() !== '') history.push(`${m.role === 'user' ? 'User' : 'Assistant'}: ${text}`);
  }
  const currentText = userText.trim() === '' ? 'User sent image(s) with no text.' : userText;
  return {
    stream: body.stream === true,
    includeUsage: isObject(body.stream_options) && body.stream_options.include_usage === true,
    model: model as string,
    userText,
    echoText: flattenHistory(history, currentText),
    images,
    files: 0,
    session: session.session,
    stable: session.stable,
    bodyBytes,
  };
}

/** Decoded size of a `data:<image mime>;base64,` URL, or -1 if it is not one. */
function dataUrlBytes(url: string): number {
  if (!url.startsWith('data:')) return -1;
  const comma = url.indexOf(',');
  if (comma < 0) return -1;
  const meta = url.slice(5, comma).toLowerCase();
  if (!meta.endsWith(';base64') || !IMAGE_MIMES.has(meta.slice(0, -7))) return -1;
  return base64Bytes(url, comma + 1);
}

function base64Bytes(data: string, start = 0): number {
  const len = data.length - start;
  const pad = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((len * 3) / 4) - pad);
}

function validSource(source: unknown, mimes: ReadonlySet<string> | undefined): boolean {
  if (!isObject(source)) return false;
  if (source.type === 'url') return typeof source.url === 'string';
  if (source.type !== 'base64' || typeof source.data !== 'string' || typeof source.media_type !== 'string')
    return false;
  return mimes === undefined || mimes.has(source.media_type);
}

function validPart(part: unknown): boolean {
  if (!isObject(part)) return false;
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return typeof part.text === 'string';
    case 'input_image':
      return validSource(part.source, IMAGE_MIMES);
    case 'input_file':
      return (
        validSource(part.source, undefined) &&
        (part.source.filename === undefined || typeof part.source.filename === 'string')
      );
    default:
      return false;
  }
}

function validItem(item: unknown): boolean {
  if (!isObject(item)) return false;
  switch (item.type) {
    case 'message': {
      for (const key in item) if (key !== 'type' && key !== 'role' && key !== 'content') return false;
      if (!ROLES.has(item.role)) return false;
      if (typeof item.content === 'string') return true;
      return Array.isArray(item.content) && item.content.every(validPart);
    }
    case 'function_call_output':
      return typeof item.call_id === 'string' && typeof item.output === 'string';
    case 'function_call':
      return typeof item.call_id === 'string' && typeof item.name === 'string' && typeof item.arguments === 'string';
    case 'reasoning':
    case 'item_reference':
      return true;
    default:
      return false;
  }
}

function blockedUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return true;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return true;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' ||
    host === '::1' ||
    host === '0.0.0.0' ||
    /^(?:127|10)\./.test(host) ||
    /^192\.168\./.test(host) ||
    /^169\.254\./.test(host) ||
    /^172\.(?:1[6-9]|2\d|3[01])\./.test(host)
  );
}

/** Counts media of the current turn and applies the gateway's processing limits (→ generic "invalid request"). */
function processMedia(content: unknown): { images: number; files: number } | string {
  let images = 0;
  let files = 0;
  if (!Array.isArray(content)) return { images, files };
  for (const part of content as Record<string, Json>[]) {
    if (part.type !== 'input_image' && part.type !== 'input_file') continue;
    const source = part.source as Record<string, Json>;
    if (source.type === 'url') {
      if (blockedUrl(source.url)) return ERR_INVALID_REQUEST;
    } else if (part.type === 'input_image') {
      if (base64Bytes(source.data) > MAX_IMAGE_BYTES) return ERR_INVALID_REQUEST;
    } else if (!FILE_MIMES.has(source.media_type) || base64Bytes(source.data) > MAX_FILE_BYTES) {
      return ERR_INVALID_REQUEST;
    }
    if (part.type === 'input_image') images++;
    else files++;
  }
  return { images, files };
}

function parseResponses(state: State, req: IncomingMessage, body: Json, bodyBytes: number): Turn | string {
  if (!isObject(body)) return `: Invalid input: expected object, received ${typeName(body)}`;
  const unknown: string[] = [];
  for (const key in body) if (!RESPONSES_KEYS.has(key)) unknown.push(`"${key}"`);
  if (unknown.length === 1) return `: Unrecognized key: ${unknown[0]}`;
  if (unknown.length > 1) return `: Unrecognized keys: ${unknown.join(', ')}`;
  if (typeof body.model !== 'string') return `model: Invalid input: expected string, received ${typeName(body.model)}`;
  const input = body.input;
  if (typeof input !== 'string' && !(Array.isArray(input) && input.every(validItem))) return MSG_INPUT_INVALID;
  if (body.text !== undefined) {
    if (!isObject(body.text) || (body.text.format !== undefined && !isObject(body.text.format))) {
      return 'text: Invalid input';
    }
    if (body.text.format !== undefined && body.text.format.type !== 'text') {
      return 'text.format.type: Invalid input: expected "text"';
    }
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') {
    return `stream: Invalid input: expected boolean, received ${typeName(body.stream)}`;
  }
  const agent = resolveAgent(req, body.model);
  if (typeof agent === 'string') return agent;
  const session = resolveSession(state, req, agent.agent, 'openresponses', body.user, body.previous_response_id);
  if (typeof session === 'string') return session;

  let userText = '';
  let images = 0;
  let files = 0;
  const history: string[] = [];
  if (typeof input === 'string') {
    userText = input;
  } else {
    const items = input as Record<string, Json>[];
    let current = -1;
    for (let i = items.length - 1; i >= 0 && current < 0; i--) {
      const item = items[i]!;
      if ((item.type === 'message' && item.role === 'user') || item.type === 'function_call_output') current = i;
    }
    if (current < 0) {
      // Only assistant turns: the real gateway still runs and the model sees the last one (wire 08t).
      for (let i = items.length - 1; i >= 0 && current < 0; i--) {
        const item = items[i]!;
        if (item.type === 'message' && item.role === 'assistant') current = i;
      }
    }
    if (current >= 0) {
      const item = items[current]!;
      if (item.type === 'function_call_output') {
        userText = item.output;
      } else {
        userText = textOfParts(item.content, RESP_TEXT_TYPES);
        if (item.role === 'user') {
          const media = processMedia(item.content);
          if (typeof media === 'string') return media;
          images = media.images;
          files = media.files;
        }
      }
      for (let i = 0; i < current; i++) {
        const item = items[i]!;
        if (item.type !== 'message' || (item.role !== 'user' && item.role !== 'assistant')) continue;
        const text = textOfParts(item.content, RESP_TEXT_TYPES);
        if (text.trim() !== '') history.push(`${item.role === 'user' ? 'User' : 'Assistant'}: ${text}`);
      }
    }
  }
  if (userText.trim() === '' && images === 0 && files === 0) return 'Missing user message in `input`.';
  const currentText =
    userText.trim() !== ''
      ? userText
      : images > 0
        ? 'User sent image(s) with no text.'
        : 'User sent file(s) with no text.';
  return {
    stream: body.stream === true,
    includeUsage: false,
    model: body.model,
    userText,
    echoText: flattenHistory(history, currentText),
    images,
    files,
    session: session.session,
    stable: session.stable,
    bodyBytes,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Answering

const MAGIC_FLAG_ENTRIES = Object.entries(MAGIC_FLAGS) as [keyof typeof MAGIC_FLAGS, string][];
const SLOW_RE = new RegExp(`${MAGIC_NUMBERS.slowMs}(\\d+)`);
const DELTAS_RE = new RegExp(`${MAGIC_NUMBERS.deltas}(\\d+)`);
const PACE_RE = new RegExp(`${MAGIC_NUMBERS.paceMs}(\\d+)`);

function parseMagic(text: string): Magic | undefined {
  if (!text.includes('FAKE_')) return undefined;
  const magic = {} as Magic;
  for (const [key, word] of MAGIC_FLAG_ENTRIES) magic[key] = text.includes(word);
  const slow = SLOW_RE.exec(text);
  const deltas = DELTAS_RE.exec(text);
  magic.slowMs = slow ? Number(slow[1]) : 0;
  magic.deltas = deltas ? Math.min(MAX_DELTAS, Number(deltas[1])) : -1;
  const pace = PACE_RE.exec(text);
  magic.paceMs = pace ? Math.min(1_000, Number(pace[1])) : undefined;
  return magic;
}

/** Words with their leading whitespace, like the real gateway re-chunks deltas (" stream", " me"). */
function splitWords(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [text];
}

function buildAnswer(turn: Turn, history: number, magic: Magic | undefined): Answer {
  let deltas: string[];
  if (magic && magic.deltas >= 0) {
    deltas = new Array<string>(magic.deltas);
    for (let i = 0; i < magic.deltas; i++) deltas[i] = ` w${i + 1}`;
  } else if (magic?.chinese) {
    deltas = Array.from(FAKE_CHINESE_TEXT);
  } else if (magic?.long) {
    deltas = splitWords(Array.from({ length: 40 }, (_, i) => `word${i + 1}`).join(' '));
  } else {
    const echo = `ECHO: ${turn.echoText.replace(/\s+/g, ' ').trim()} | images=${turn.images} files=${turn.files} history=${history} session=${turn.session}`;
    deltas = splitWords(magic?.media ? `${FAKE_MEDIA_TEXT}\n${echo}` : echo);
  }
  return { text: deltas.join(''), deltas, promptTokens: Math.ceil(turn.bodyBytes / 4) + BASE_PROMPT_TOKENS };
}

async function respond(state: State, endpoint: FakeEndpoint, turn: Turn, res: ServerResponse, run: Run): Promise<void> {
  const magic = parseMagic(turn.userText);
  // Pre-run failures: plain JSON error, nothing streamed.
  if (magic?.rateLimited) return sendJson(res, 429, ERR_RATE_LIMITED, ['Retry-After', '7']);
  if (magic?.err500) return sendJson(res, 500, ERR_INTERNAL);
  if (magic?.race && turn.stable && !state.raceSeen.has(turn.session)) {
    state.raceSeen.add(turn.session);
    return sendJson(res, 500, ERR_INTERNAL);
  }
  let history = 0;
  if (turn.stable) {
    history = state.sessions.get(turn.session) ?? 0;
    state.sessions.set(turn.session, history + 1);
  }
  if (magic?.hang || (magic?.silent && !turn.stream)) return; // nothing at all until the client closes
  const x: Exchange = { state, turn, history, magic, res, run };
  if (endpoint === 'chatCompletions') {
    if (turn.stream) await chatStream(x);
    else await chatJson(x);
  } else {
    if (turn.stream) await responsesStream(x);
    else await responsesJson(x);
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function cutConnection(res: ServerResponse, run: Run): void {
  run.selfCut = true;
  res.socket?.destroy();
}

/**
 * What a handler's shared steps leave it to send: the answer, 'failed' (FAKE_FAIL_500: the endpoint's upstream
 * error), or undefined (nothing more: FAKE_CUT/FAKE_SILENT, or the client went away).
 */
type Outcome = Answer | 'failed' | undefined;

/** Non-stream steps: FAKE_CUT, FAKE_SLOW_<ms>, FAKE_FAIL_500, then the answer after its deltas' total delay. */
async function jsonAnswer(x: Exchange): Promise<Outcome> {
  const { magic, run } = x;
  if (magic?.cut) {
    cutConnection(x.res, run);
    return undefined;
  }
  await sleep(run, magic?.slowMs ?? 0);
  if (run.gone) return undefined;
  if (magic?.fail500) return 'failed';
  const answer = buildAnswer(x.turn, x.history, magic);
  await sleep(run, x.state.deltaDelayMs * (answer.deltas.length - 1));
  return run.gone ? undefined : answer;
}

async function chatJson(x: Exchange): Promise<void> {
  const answer = await jsonAnswer(x);
  if (answer === 'failed') return sendJson(x.res, 502, ERR_UPSTREAM);
  if (!answer) return;
  const completion = answer.deltas.length;
  sendJson(
    x.res,
    200,
    `{"id":"chatcmpl_${randomUUID()}","object":"chat.completion","created":${nowSeconds()},"model":${JSON.stringify(x.turn.model)},` +
      `"choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(answer.text)}},"finish_reason":"stop"}],` +
      `"usage":{"prompt_tokens":${answer.promptTokens},"completion_tokens":${completion},"total_tokens":${answer.promptTokens + completion}}}`,
  );
}

function startSse(res: ServerResponse): void {
  writeHeaders(res);
  res.setHeader('Content-Type', SSE_TYPE);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Connection', 'keep-alive');
  res.statusCode = 200;
}

/**
 * Stream steps after the opening frames: FAKE_SILENT, FAKE_SLOW_<ms>, FAKE_FAIL_500, then the deltas through
 * `frame`. Yields the answer only once every delta is written.
 */
async function streamAnswer(x: Exchange, frame: (delta: string) => string): Promise<Outcome> {
  const { magic, run } = x;
  if (magic?.silent) return undefined;
  await sleep(run, magic?.slowMs ?? 0);
  if (run.gone) return undefined;
  if (magic?.fail500) return 'failed';
  const answer = buildAnswer(x.turn, x.history, magic);
  return (await writeDeltas(x, answer.deltas, frame)) ? answer : undefined;
}

/** Writes the deltas; returns false if the run ended early (client gone, or FAKE_CUT). */
async function writeDeltas(x: Exchange, deltas: string[], frame: (delta: string) => string): Promise<boolean> {
  const { res, run } = x;
  const cut = x.magic?.cut === true;
  const delay = x.magic?.paceMs ?? x.state.deltaDelayMs;
  const corked = delay === 0;
  if (corked) res.cork();
  try {
    for (let i = 0; i < deltas.length; i++) {
      if (i > 0 && delay > 0) {
        await sleep(run, delay);
        if (run.gone) return false;
      }
      if (cut && i === 1) {
        res.write(frame(deltas[i]!), () => cutConnection(res, run));
        return false;
      }
      if (!res.write(frame(deltas[i]!))) {
        if (corked) res.uncork();
        await drained(run, res);
        if (run.gone) return false;
        if (corked) res.cork();
      }
    }
    if (cut) {
      // Fewer than 2 deltas: cut after what was sent.
      res.write('', () => cutConnection(res, run));
      return false;
    }
    return true;
  } finally {
    if (corked) res.uncork();
  }
}

async function chatStream(x: Exchange): Promise<void> {
  const { turn, res } = x;
  const prefix = `data: {"id":"chatcmpl_${randomUUID()}","object":"chat.completion.chunk","created":${nowSeconds()},"model":${JSON.stringify(turn.model)},"choices":`;
  startSse(res);
  res.write(`${prefix}[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}\n\n`);
  const frame = (delta: string) =>
    `${prefix}[{"index":0,"delta":{"content":${JSON.stringify(delta)}},"finish_reason":null}]}\n\n`;
  const answer = await streamAnswer(x, frame);
  if (answer === 'failed') {
    res.end(`data: ${ERR_UPSTREAM}\n\ndata: [DONE]\n\n`);
    return;
  }
  if (!answer) return;
  let tail = `${prefix}[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n`;
  if (turn.includeUsage) {
    const completion = answer.deltas.length;
    tail += `${prefix}[],"usage":{"prompt_tokens":${answer.promptTokens},"completion_tokens":${completion},"total_tokens":${answer.promptTokens + completion}}}\n\n`;
  }
  res.end(`${tail}data: [DONE]\n\n`);
}

const FAILED_ERROR = '{"code":"api_error","message":"upstream provider error"}';

function responseObject(
  id: string,
  createdAt: number,
  status: string,
  model: string,
  output: string,
  usage: string,
  error?: string,
): string {
  return (
    `{"id":"${id}","object":"response","created_at":${createdAt},"status":"${status}","model":${JSON.stringify(model)},` +
    `"output":${output},"usage":${usage}${error ? `,"error":${error}` : ''}}`
  );
}

function responsesUsage(input: number, output: number): string {
  return (
    `{"input_tokens":${input},"input_tokens_details":{"cached_tokens":0,"cache_write_tokens":0},"output_tokens":${output},` +
    `"output_tokens_details":{"reasoning_tokens":0},"total_tokens":${input + output}}`
  );
}

function messageItem(msgId: string, text: string): string {
  return `{"type":"message","id":"${msgId}","role":"assistant","content":[{"type":"output_text","text":${JSON.stringify(text)}}],"phase":"final_answer","status":"completed"}`;
}

function rememberResponse(x: Exchange, id: string): void {
  const sessions = x.state.responseSessions;
  sessions.set(id, { session: x.turn.session, turns: x.history + 1 });
  if (sessions.size > MAX_REMEMBERED_RESPONSES) {
    const oldest = sessions.keys().next().value;
    if (oldest !== undefined) sessions.delete(oldest);
  }
}

async function responsesJson(x: Exchange): Promise<void> {
  const { turn, res } = x;
  const answer = await jsonAnswer(x);
  if (!answer) return;
  const id = `resp_${randomUUID()}`;
  if (answer === 'failed') {
    return sendJson(
      res,
      502,
      responseObject(id, nowSeconds(), 'failed', turn.model, '[]', ZERO_RESPONSES_USAGE, FAILED_ERROR),
    );
  }
  rememberResponse(x, id);
  const output = `[${messageItem(`msg_${randomUUID()}`, answer.text)}]`;
  const usage = responsesUsage(answer.promptTokens, answer.deltas.length);
  sendJson(res, 200, responseObject(id, nowSeconds(), 'completed', turn.model, output, usage));
}

async function responsesStream(x: Exchange): Promise<void> {
  const { turn, res } = x;
  const id = `resp_${randomUUID()}`;
  const msgId = `msg_${randomUUID()}`;
  const createdAt = nowSeconds();
  const inProgress = responseObject(id, createdAt, 'in_progress', turn.model, '[]', ZERO_RESPONSES_USAGE);
  const at = `"item_id":"${msgId}","output_index":0,"content_index":0`;
  startSse(res);
  res.write(
    `event: response.created\ndata: {"type":"response.created","response":${inProgress}}\n\n` +
      `event: response.in_progress\ndata: {"type":"response.in_progress","response":${inProgress}}\n\n` +
      `event: response.output_item.added\ndata: {"type":"response.output_item.added","output_index":0,"item":{"type":"message","id":"${msgId}","role":"assistant","content":[],"status":"in_progress"}}\n\n` +
      `event: response.content_part.added\ndata: {"type":"response.content_part.added",${at},"part":{"type":"output_text","text":""}}\n\n`,
  );
  const frame = (delta: string) =>
    `event: response.output_text.delta\ndata: {"type":"response.output_text.delta",${at},"delta":${JSON.stringify(delta)}}\n\n`;
  const answer = await streamAnswer(x, frame);
  if (answer === 'failed') {
    const failed = responseObject(id, createdAt, 'failed', turn.model, '[]', ZERO_RESPONSES_USAGE, FAILED_ERROR);
    res.end(`event: response.failed\ndata: {"type":"response.failed","response":${failed}}\n\ndata: [DONE]\n\n`);
    return;
  }
  if (!answer) return;
  rememberResponse(x, id);
  const text = JSON.stringify(answer.text);
  const item = messageItem(msgId, answer.text);
  const completed = responseObject(
    id,
    createdAt,
    'completed',
    turn.model,
    `[${item}]`,
    responsesUsage(answer.promptTokens, answer.deltas.length),
  );
  res.end(
    `event: response.output_text.done\ndata: {"type":"response.output_text.done",${at},"text":${text}}\n\n` +
      `event: response.content_part.done\ndata: {"type":"response.content_part.done",${at},"part":{"type":"output_text","text":${text}}}\n\n` +
      `event: response.output_item.done\ndata: {"type":"response.output_item.done","output_index":0,"item":${item}}\n\n` +
      `event: response.completed\ndata: {"type":"response.completed","response":${completed}}\n\n` +
      'data: [DONE]\n\n',
  );
}
