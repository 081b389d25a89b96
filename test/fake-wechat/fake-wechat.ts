/**
 * An in-repo fake of the WeChat server API (api.weixin.qq.com) for tests and `npm run demo`. The server only
 * routes and records; each endpoint is a handler module in this folder (code2session.ts, …), sharing one state.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { code2SessionHandler } from './code2session.ts';

export interface FakeWechatRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
}

export interface FakeWechatState {
  appId: string;
  secret: string;
  /** Scripted errcodes by js_code ('*': every code). */
  errcodes: Map<string, number>;
  usedCodes: Set<string>;
  openidFor(code: string): string;
  /** Answer a unionid too. */
  unionid: boolean;
}

export interface FakeWechatHandler {
  method: 'GET' | 'POST';
  path: string;
  handle(url: URL, body: string): unknown | Promise<unknown>;
}

export interface FakeWechatOptions {
  appId?: string;
  secret?: string;
  port?: number;
  host?: string;
  openidFor?: (code: string) => string;
  unionid?: boolean;
  /** More endpoints (e.g. content checks), built over the same state. */
  handlers?: Array<(state: FakeWechatState) => FakeWechatHandler>;
}

export interface FakeWechat {
  url: string;
  appId: string;
  secret: string;
  state: FakeWechatState;
  /** Every request received, in order. */
  received: FakeWechatRequest[];
  /** Answer this errcode for js_code `code` ('*': every code) until cleared. */
  failCode(code: string, errcode: number): void;
  clearFailures(): void;
  close(): Promise<void>;
}

export const FAKE_APPID = 'wxfake0123456789ab';
export const FAKE_SECRET = 'fake-app-secret-0123456789';

/** `code-alice` signs in as openid `o_alice`: tests pick users by the codes they send. */
const defaultOpenidFor = (code: string) => `o_${code.replace(/^code-/, '').replace(/-\d+$/, '')}`;

export async function startFakeWechat(options: FakeWechatOptions = {}): Promise<FakeWechat> {
  const state: FakeWechatState = {
    appId: options.appId ?? FAKE_APPID,
    secret: options.secret ?? FAKE_SECRET,
    errcodes: new Map(),
    usedCodes: new Set(),
    openidFor: options.openidFor ?? defaultOpenidFor,
    unionid: options.unionid ?? false,
  };
  const handlers = [code2SessionHandler, ...(options.handlers ?? [])].map((make) => make(state));
  const received: FakeWechatRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake-wechat');
    received.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), body });
    const handler = handlers.find((h) => h.method === req.method && h.path === url.pathname);
    if (!handler) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    try {
      const answer = await handler.handle(url, body);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(JSON.stringify(answer));
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    appId: state.appId,
    secret: state.secret,
    state,
    received,
    failCode: (code, errcode) => state.errcodes.set(code, errcode),
    clearFailures: () => state.errcodes.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
