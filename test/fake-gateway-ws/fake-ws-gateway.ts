import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { makePdf, makePng } from '../helpers/media.ts';

/**
 * An in-repo fake of the gateway's WebSocket protocol v4, frames shaped as recorded against the real one
 * (design note openclaw-ws.md): challenge → connect → hello-ok, chat.send ack then `chat`/`agent` events
 * broadcast to every connection, chat.abort, agent.wait, chat.history, artifacts.download and the media route on
 * the same port (a ticket URL, or the block URL with the token). Message magic words pick a script.
 */
export interface FakeWsGatewayOptions {
  token?: string;
  port?: number;
  /** Scopes granted in hello-ok (default: whatever was requested). */
  grantScopes?: string[];
  policy?: { maxPayload?: number; maxImageBytes?: number; maxBytes?: number };
  /** Answer to connect: a pairing requirement instead of hello-ok. */
  pairingRequestId?: string;
  /**
   * How artifacts.download answers: a ticket `url` (as recorded), the bytes inline (`bytes`, the schema's other
   * mode), or not at all (`unavailable`: an older gateway; the block URL with the token remains).
   */
  artifacts?: 'url' | 'bytes' | 'unavailable';
}

/** A generated artifact the fake serves. */
export interface FakeArtifact {
  bytes: Buffer;
  mimeType: string;
}

export interface MediaRequest {
  path: string;
  ticket: boolean;
  bearer: boolean;
}

/** The PNG FAKE_MEDIA generates (real, decodable). */
export const GENERATED_PNG = makePng(8, 8);
/** The PDF FAKE_MEDIA_PDF adds. */
export const GENERATED_PDF = makePdf('Generated report');

export interface RecordedRequest {
  method: string;
  params: Record<string, unknown>;
}

export interface FakeWsGateway {
  url: string;
  requests: RecordedRequest[];
  /** HTTP requests for media bytes. */
  mediaRequests: MediaRequest[];
  /** Closes every open socket (the client reconnects). */
  dropConnections(): void;
  connections(): number;
  close(): Promise<void>;
}

interface RunState {
  runId: string;
  sessionKey: string;
  text: string;
  status: 'running' | 'ok' | 'error' | 'aborted';
  timers: NodeJS.Timeout[];
}

export async function startFakeWsGateway(options: FakeWsGatewayOptions = {}): Promise<FakeWsGateway> {
  const artifacts = new Map<string, FakeArtifact>();
  const mediaRequests: MediaRequest[] = [];
  const serveMedia = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = /^\/api\/chat\/media\/outgoing\/[^/]+\/([^/]+)\/full$/.exec(url.pathname);
    const ticket = url.searchParams.get('mediaTicket');
    const bearer = req.headers.authorization === `Bearer ${options.token}`;
    mediaRequests.push({ path: url.pathname, ticket: ticket !== null, bearer });
    const artifact = match ? artifacts.get(decodeURIComponent(match[1] ?? '')) : undefined;
    if (!artifact) return res.writeHead(404).end();
    if (ticket !== `v1.${match?.[1]}` && !bearer) return res.writeHead(401).end();
    res.writeHead(200, { 'content-type': artifact.mimeType, 'content-length': artifact.bytes.length });
    res.end(artifact.bytes);
  };
  const http = createServer(serveMedia);
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, '127.0.0.1', resolve));
  const wss = new WebSocketServer({ server: http, maxPayload: options.policy?.maxPayload ?? 26_214_400 });
  const requests: RecordedRequest[] = [];
  const runs = new Map<string, RunState>();
  const history = new Map<string, Array<Record<string, unknown>>>();
  const authed = new Set<WebSocket>();
  let seq = 0;

  const broadcast = (event: string, payload: Record<string, unknown>) => {
    const frame = JSON.stringify({ type: 'event', event, payload, seq: ++seq });
    for (const socket of authed) if (socket.readyState === socket.OPEN) socket.send(frame);
  };
  const chat = (run: RunState, body: Record<string, unknown>) =>
    broadcast('chat', { runId: run.runId, sessionKey: `agent:main:${run.sessionKey}`, agentId: 'main', ...body });
  const agent = (run: RunState, stream: string, data: Record<string, unknown>) =>
    broadcast('agent', { runId: run.runId, sessionKey: `agent:main:${run.sessionKey}`, stream, data });
  const assistant = (text: string) => ({ role: 'assistant', content: [{ type: 'text', text }] });

  const finish = (run: RunState, text: string) => {
    run.status = 'ok';
    const rows = history.get(run.sessionKey) ?? [];
    rows.push({ role: 'assistant', content: [{ type: 'text', text }], __openclaw: { runId: run.runId } });
    history.set(run.sessionKey, rows);
    chat(run, { state: 'final', stopReason: 'stop', message: assistant(text) });
  };

  /** Each script step runs after `ms`; the whole run can be aborted by chat.abort. */
  const schedule = (run: RunState, ms: number, step: () => void) => {
    run.timers.push(setTimeout(() => run.status === 'running' && step(), ms));
  };

  const startRun = (params: Record<string, unknown>, socket: WebSocket) => {
    const runId = String(params.idempotencyKey);
    const sessionKey = String(params.sessionKey).toLowerCase();
    const message = String(params.message ?? '');
    const run: RunState = { runId, sessionKey, text: '', status: 'running', timers: [] };
    runs.set(runId, run);
    // Another session's run on the same gateway: every operator connection sees its events.
    const foreign: RunState = {
      runId: `foreign-${randomUUID()}`,
      sessionKey: 'someone-else',
      text: '',
      status: 'running',
      timers: [],
    };
    chat(foreign, {
      state: 'delta',
      deltaText: 'SECRET OF ANOTHER USER',
      message: assistant('SECRET OF ANOTHER USER'),
    });
    chat(run, { state: 'status', phase: 'preparing_workspace' });
    agent(run, 'lifecycle', { phase: 'start' });
    const thinking = params.thinking;
    if (typeof thinking === 'string' && thinking !== 'off') {
      schedule(run, 5, () =>
        finish(run, `Thinking level "${thinking}" is not supported for fake/fake-model. Use one of: off.`),
      );
      return;
    }
    const slow = /FAKE_SLOW_(\d+)/.exec(message);
    const answer = `ECHO: ${message} | images=${(params.attachments as unknown[] | undefined)?.filter((a) => (a as { type: string }).type === 'image').length ?? 0}`;
    const words = answer.split(/(?<= )/);
    let at = slow ? Number(slow[1]) : 5;
    if (message.includes('FAKE_FAIL')) {
      schedule(run, at, () => {
        run.status = 'error';
        chat(run, { state: 'error', errorMessage: '⚠️ fake/fake-model request failed (HTTP 500)' });
        chat(run, { seq: 1, state: 'error', errorMessage: '⚠️ Agent failed before reply: upstream' });
      });
      return;
    }
    const many = /FAKE_DELTAS_(\d+)/.exec(message);
    if (many) {
      // N small deltas back to back, then the final (the bench's per-delta relay).
      const count = Math.min(Number(many[1]), 100_000);
      let text = '';
      for (let i = 0; i < count; i++) {
        text += ` w${i}`;
        chat(run, { state: 'delta', deltaText: ` w${i}` });
      }
      schedule(run, 0, () => finish(run, text));
      return;
    }
    const flood = /FAKE_FLOOD_(\d+)/.exec(message);
    if (flood) {
      // A hostile gateway: deltas of 64 KiB, as fast as the socket takes them, N of them, and no final.
      const chunk = 'x'.repeat(64 * 1024);
      let left = Number(flood[1]);
      const burst = () => {
        for (let i = 0; i < 16 && left > 0; i++, left--) chat(run, { state: 'delta', deltaText: chunk, message: {} });
        if (left > 0 && run.status === 'running') setImmediate(burst);
      };
      setImmediate(burst);
      return;
    }
    const others = /FAKE_FOREIGN_(\d+)/.exec(message);
    if (others) {
      // Other users' traffic on the same gateway: every operator connection receives it.
      const text = 'other user text '.repeat(4096);
      let left = Number(others[1]);
      const burst = () => {
        for (let i = 0; i < 16 && left > 0; i++, left--) {
          broadcast('chat', {
            runId: `foreign-${left}`,
            sessionKey: 'agent:main:other',
            state: 'delta',
            deltaText: text,
          });
        }
        if (left > 0) setImmediate(burst);
      };
      burst();
    }
    if (message.includes('FAKE_MEDIA')) {
      // As recorded: one assistant frame names the media; the blocks reach history ~200 ms after the final.
      const blocks = mediaScript(message, run, artifacts);
      schedule(run, at, () => {
        agent(run, 'assistant', {
          text: 'Here is the local cat.',
          delta: '',
          mediaUrls: blocks.map((b) => `./${b.artifactId}`),
        });
        chat(run, {
          state: 'delta',
          deltaText: 'Here is the local cat.',
          message: assistant('Here is the local cat.'),
        });
        const complete = () => {
          finish(run, 'Here is the local cat.');
          if (message.includes('FAKE_MEDIA_NEVER')) return;
          setTimeout(() => {
            const row = history.get(run.sessionKey)?.find((r) => (r.__openclaw as { runId: string }).runId === runId);
            (row?.content as unknown[] | undefined)?.push(...blocks);
          }, 200);
        };
        if (!message.includes('FAKE_DROP')) return complete();
        // The connection dies before the final; agent.wait's reply keeps the raw MEDIA: lines (as recorded).
        run.text = `Here is the local cat.\n\n${blocks.map((b) => `MEDIA:./${b.artifactId}`).join('\n')}`;
        for (const other of authed) other.terminate();
        schedule(run, 50, complete);
      });
      return;
    }
    if (message.includes('FAKE_TOOL')) {
      schedule(run, at, () => {
        agent(run, 'item', { kind: 'tool', name: 'ls', phase: 'start', title: 'Ls .', status: 'running' });
        // Only the sender gets raw tool frames, with arguments and results; we must never relay them.
        socket.send(
          JSON.stringify({
            type: 'event',
            event: 'agent',
            payload: { runId, stream: 'tool', data: { phase: 'start', name: 'ls', args: { path: '/secret' } } },
            seq: ++seq,
          }),
        );
        agent(run, 'item', { kind: 'tool', name: 'ls', phase: 'end', title: 'Ls .', status: 'completed' });
      });
      at += 5;
    }
    for (const word of words) {
      schedule(run, at, () => {
        run.text += word;
        chat(run, { state: 'delta', deltaText: word, message: assistant(run.text) });
        if (message.includes('FAKE_DROP') && run.text === word) {
          // The connection dies mid-run; the run goes on and ends while we are away.
          for (const s of authed) s.terminate();
        }
      });
      at += message.includes('FAKE_DROP') ? 20 : 2;
    }
    schedule(run, at, () => finish(run, answer));
  };

  const handle = (socket: WebSocket, frame: { id: string; method: string; params: Record<string, unknown> }) => {
    const reply = (ok: boolean, body: Record<string, unknown>) =>
      socket.send(JSON.stringify({ type: 'res', id: frame.id, ok, ...body }));
    const { method, params } = frame;
    if (method === 'connect') {
      const auth = params.auth as { token?: string } | undefined;
      if (options.token && auth?.token !== options.token) {
        reply(false, {
          error: { code: 'INVALID_REQUEST', message: 'unauthorized', details: { code: 'AUTH_TOKEN_MISMATCH' } },
        });
        return;
      }
      if (options.pairingRequestId) {
        reply(false, {
          error: {
            code: 'NOT_PAIRED',
            message: 'pairing required: device is not approved yet',
            details: { code: 'PAIRING_REQUIRED', reason: 'not-paired', requestId: options.pairingRequestId },
          },
        });
        return;
      }
      authed.add(socket);
      const scopes = options.grantScopes ?? (params.scopes as string[]);
      reply(true, {
        payload: {
          type: 'hello-ok',
          protocol: 4,
          server: { version: 'fake', connId: randomUUID() },
          features: { methods: ['chat.send', 'chat.abort', 'chat.history', 'agent.wait'], events: ['chat', 'agent'] },
          snapshot: {},
          auth: { method: 'token', role: 'operator', scopes },
          policy: {
            maxPayload: options.policy?.maxPayload ?? 26_214_400,
            maxBufferedBytes: 52_428_800,
            tickIntervalMs: 30_000,
            attachments: {
              maxBytes: options.policy?.maxBytes ?? 19_464_192,
              maxImageBytes: options.policy?.maxImageBytes ?? 6_291_456,
            },
          },
        },
      });
      return;
    }
    requests.push({ method, params });
    // A long-running fake (bench) keeps only the recent ones.
    if (requests.length > 2_000) requests.splice(0, 1_000);
    if (method === 'chat.send' && String(params.message).includes('FAKE_NO_ACK')) return;
    if (method === 'chat.send') {
      const existing = runs.get(String(params.idempotencyKey));
      if (existing) {
        reply(true, { payload: { runId: existing.runId, status: existing.status === 'running' ? 'in_flight' : 'ok' } });
        return;
      }
      reply(true, { payload: { runId: params.idempotencyKey, status: 'started' } });
      startRun(params, socket);
    } else if (method === 'chat.abort') {
      const run = runs.get(String(params.runId));
      if (run?.status === 'running') {
        run.status = 'aborted';
        for (const timer of run.timers) clearTimeout(timer);
        chat(run, { state: 'aborted', stopReason: 'rpc' });
      }
      reply(true, { payload: { ok: true, aborted: Boolean(run), runIds: run ? [run.runId] : [] } });
    } else if (method === 'agent.wait') {
      const run = runs.get(String(params.runId));
      const waitFor = () => {
        if (!run) return reply(true, { payload: { runId: params.runId, status: 'not_found' } });
        if (run.status === 'running') return setTimeout(waitFor, 10);
        reply(true, { payload: { runId: run.runId, status: run.status, terminalReply: { text: run.text } } });
      };
      waitFor();
    } else if (method === 'artifacts.download' && options.artifacts !== 'unavailable') {
      const id = String(params.artifactId);
      const artifact = artifacts.get(id);
      if (!artifact) return reply(false, { error: { code: 'NOT_FOUND', message: 'unknown artifact' } });
      const path = `/api/chat/media/outgoing/${encodeURIComponent(`agent:main:${params.sessionKey}`)}/${id}/full`;
      const meta = { id, type: 'image', title: id, mimeType: artifact.mimeType, download: { mode: 'url' } };
      if (options.artifacts === 'bytes') {
        reply(true, { payload: { artifact: meta, encoding: 'base64', data: artifact.bytes.toString('base64') } });
      } else {
        // FAKE_MEDIA_OFFSITE: a ticket URL on another host, which the server must not fetch.
        const base = id.includes('offsite') ? 'http://127.0.0.2:9' : '';
        const url = `${base}${path}?mediaTicket=v1.${id}`;
        reply(true, { payload: { artifact: meta, url, expiresAt: new Date(Date.now() + 300_000).toISOString() } });
      }
    } else if (method === 'chat.history') {
      const rows = history.get(String(params.sessionKey).toLowerCase()) ?? [];
      reply(true, { payload: { sessionKey: params.sessionKey, messages: rows, hasMore: false } });
    } else {
      reply(false, { error: { code: 'INVALID_REQUEST', message: `unknown method ${method}` } });
    }
  };

  wss.on('connection', (socket) => {
    socket.send(
      JSON.stringify({ type: 'event', event: 'connect.challenge', payload: { nonce: randomUUID(), ts: Date.now() } }),
    );
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame?.type === 'req') handle(socket, frame);
    });
    socket.on('close', () => authed.delete(socket));
    // An oversize frame (1009) is an error on this socket only, as on the real gateway.
    socket.on('error', () => {});
  });

  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    mediaRequests,
    dropConnections: () => {
      for (const socket of wss.clients) socket.terminate();
    },
    connections: () => authed.size,
    async close() {
      for (const run of runs.values()) for (const timer of run.timers) clearTimeout(timer);
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/**
 * The blocks a FAKE_MEDIA run's transcript row gets, their bytes registered for download. FAKE_MEDIA: cat.png;
 * FAKE_MEDIA_PDF adds report.pdf; FAKE_MEDIA_BIG_<n>: an image of n bytes that declares no size; FAKE_MEDIA_OFFSITE:
 * a ticket URL on another host; FAKE_MEDIA_EVIL: a name with directories and control characters;
 * FAKE_MEDIA_MANY_<n>: n images.
 */
function mediaScript(message: string, run: { runId: string }, artifacts: Map<string, FakeArtifact>) {
  const id = (what: string) => `artifact_managed_${what}_${run.runId.slice(-12)}`;
  const block = (kind: 'image' | 'file', what: string, name: string, artifact: FakeArtifact, sized = true) => {
    artifacts.set(id(what), artifact);
    const path = `/api/chat/media/outgoing/key/${id(what)}/full`;
    return {
      type: kind,
      artifactId: id(what),
      url: path,
      openUrl: path,
      ...(kind === 'image' ? { alt: name } : { title: name }),
      mimeType: artifact.mimeType,
      ...(sized ? { sizeBytes: artifact.bytes.length } : {}),
    };
  };
  const big = /FAKE_MEDIA_BIG_(\d+)/.exec(message);
  if (big) {
    const bytes = Buffer.alloc(Number(big[1]));
    GENERATED_PNG.copy(bytes);
    return [block('image', 'big', 'big.png', { bytes, mimeType: 'image/png' }, false)];
  }
  const png = { bytes: GENERATED_PNG, mimeType: 'image/png' };
  const many = /FAKE_MEDIA_MANY_(\d+)/.exec(message);
  if (many) return Array.from({ length: Number(many[1]) }, (_, i) => block('image', `many${i}`, `cat-${i}.png`, png));
  if (message.includes('FAKE_MEDIA_OFFSITE')) return [block('image', 'offsite', 'cat.png', png)];
  if (message.includes('FAKE_MEDIA_EVIL'))
    return [block('image', 'evil', '/home/agent/state/workspace/\u0007cat.png', png)];
  const blocks = [block('image', 'image', 'cat.png', png)];
  if (message.includes('FAKE_MEDIA_PDF')) {
    blocks.push(block('file', 'pdf', 'report.pdf', { bytes: GENERATED_PDF, mimeType: 'application/pdf' }));
  }
  return blocks;
}
