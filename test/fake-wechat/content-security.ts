import { type FakeWechat, type FakeWechatOptions, startFakeWechat } from './fake-wechat.ts';
import { type MsgSecCheckKnobs, msgSecCheck } from './msg-sec-check.ts';
import { type StableTokenKnobs, stableTokens } from './stable-token.ts';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of arbitrary shape, for test assertions
type Json = any;

export interface ContentSecurityWechat {
  wechat: FakeWechat;
  url: string;
  /** What tests script: token lifetime and errors, verdicts, errcodes, delays. */
  knobs: StableTokenKnobs & MsgSecCheckKnobs;
  expireTokens(): void;
  revokeTokens(): void;
  /** The calls to one path, bodies parsed. */
  calls(path: string): { query: Record<string, string>; body: Json }[];
  close(): Promise<void>;
}

/** The fake WeChat API with the content-security endpoints (stable_token, msg_sec_check) next to sign-in's. */
export async function startContentSecurityWechat(options: FakeWechatOptions = {}): Promise<ContentSecurityWechat> {
  // One knobs object: each module sets its defaults on it and reads it on every call.
  const knobs = {} as StableTokenKnobs & MsgSecCheckKnobs;
  const tokens = stableTokens(knobs);
  const checks = msgSecCheck(tokens, knobs);
  const wechat = await startFakeWechat({
    ...options,
    handlers: [...(options.handlers ?? []), tokens.handler, checks.handler],
  });
  return {
    wechat,
    url: wechat.url,
    knobs,
    expireTokens: tokens.expireTokens,
    revokeTokens: tokens.revokeTokens,
    calls: (path) =>
      wechat.received
        .filter((call) => call.path === path)
        .map((call) => ({ query: call.query, body: call.body === '' ? undefined : JSON.parse(call.body) })),
    close: () => wechat.close(),
  };
}
