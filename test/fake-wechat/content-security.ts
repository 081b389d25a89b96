import {
  type FakeWechat,
  type FakeWechatHandler,
  type FakeWechatOptions,
  type FakeWechatState,
  startFakeWechat,
} from './fake-wechat.ts';
import { type MsgSecCheckKnobs, msgSecCheck } from './msg-sec-check.ts';
import { type StableTokenKnobs, stableTokens } from './stable-token.ts';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of arbitrary shape, for test assertions
type Json = any;

/** The content-security endpoints (stable_token, msg_sec_check), for the fake WeChat composer's `handlers`. */
export interface ContentSecurityEndpoints {
  handlers: Array<(state: FakeWechatState) => FakeWechatHandler>;
  /** What tests script: token lifetime and errors, verdicts, errcodes, delays. */
  knobs: StableTokenKnobs & MsgSecCheckKnobs;
  expireTokens(): void;
  revokeTokens(): void;
}

export interface ContentSecurityWechat extends Omit<ContentSecurityEndpoints, 'handlers'> {
  wechat: FakeWechat;
  url: string;
  /** The calls to one path, bodies parsed. */
  calls(path: string): { query: Record<string, string>; body: Json }[];
  close(): Promise<void>;
}

export function contentSecurityEndpoints(): ContentSecurityEndpoints {
  // One knobs object: each module sets its defaults on it and reads it on every call.
  const knobs = {} as StableTokenKnobs & MsgSecCheckKnobs;
  const tokens = stableTokens(knobs);
  const checks = msgSecCheck(tokens, knobs);
  return {
    handlers: [tokens.handler, checks.handler],
    knobs,
    expireTokens: tokens.expireTokens,
    revokeTokens: tokens.revokeTokens,
  };
}

/** A running fake WeChat API composed with `endpoints`, seen through them. */
export function contentSecurityOf(wechat: FakeWechat, endpoints: ContentSecurityEndpoints): ContentSecurityWechat {
  const { handlers: _, ...scripting } = endpoints;
  return {
    ...scripting,
    wechat,
    url: wechat.url,
    calls: (path) =>
      wechat.received
        .filter((call) => call.path === path)
        .map((call) => ({ query: call.query, body: call.body === '' ? undefined : JSON.parse(call.body) })),
    close: () => wechat.close(),
  };
}

/** The fake WeChat API with the content-security endpoints next to sign-in's. */
export async function startContentSecurityWechat(options: FakeWechatOptions = {}): Promise<ContentSecurityWechat> {
  const endpoints = contentSecurityEndpoints();
  const wechat = await startFakeWechat({ ...options, handlers: [...(options.handlers ?? []), ...endpoints.handlers] });
  return contentSecurityOf(wechat, endpoints);
}
