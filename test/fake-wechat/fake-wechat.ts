/**
 * In-repo fake of the WeChat server API (api.weixin.qq.com), composed of one handler module per endpoint. Each
 * module owns its knobs (what tests script) and what it recorded; this file only routes and records.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type MsgSecCheckKnobs, msgSecCheck } from './msg-sec-check.ts';
import { type StableTokenKnobs, stableToken } from './stable-token.ts';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of arbitrary shape, for test assertions
export type Json = any;

export interface ReceivedCall {
  path: string;
  query: Record<string, string>;
  body: Json;
}

export interface FakeAnswer {
  status?: number;
  /** Sent as JSON; a string is sent as is. */
  body: unknown;
  /** Wait this long before answering; `Infinity` never answers. */
  delayMs?: number;
}

export type FakeHandler = (call: ReceivedCall) => FakeAnswer | Promise<FakeAnswer>;

export interface FakeWechatOptions {
  appId?: string;
  secret?: string;
}

export interface FakeWechat {
  url: string;
  /** Every call, in arrival order. */
  received: ReceivedCall[];
  knobs: StableTokenKnobs & MsgSecCheckKnobs;
  /** The calls to one path. */
  calls(path: string): ReceivedCall[];
  close(): Promise<void>;
}

export async function startFakeWechat(options: FakeWechatOptions = {}): Promise<FakeWechat> {
  const received: ReceivedCall[] = [];
  // One knobs object: each module sets its defaults on it and reads it on every call.
  const knobs = {} as FakeWechat['knobs'];
  const appId = options.appId ?? 'wx-fake-appid';
  const tokens = stableToken({ appId, secret: options.secret ?? 'fake-secret' }, knobs);
  const checks = msgSecCheck(tokens, knobs);
  const routes: Record<string, FakeHandler> = { ...tokens.routes, ...checks.routes };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: Json;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      body = undefined;
    }
    const call = { path: url.pathname, query: Object.fromEntries(url.searchParams), body };
    received.push(call);
    const handler = routes[url.pathname];
    const answer = handler ? await handler(call) : { status: 404, body: 'Not Found' };
    if (answer.delayMs === Number.POSITIVE_INFINITY) return;
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (res.destroyed) return;
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    knobs,
    calls: (path) => received.filter((call) => call.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
