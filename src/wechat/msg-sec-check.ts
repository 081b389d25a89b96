import type { AccessTokens } from './access-token.ts';
import { postWechat, WechatApiError, wechatUrl } from './api.ts';

/** What `msg_sec_check` v2 allows per call, in characters. */
export const MSG_SEC_CHECK_MAX_CHARS = 2500;

/** WeChat's verdict: `result.suggest` and its `result.label` (100 = normal, 20001 politics, 20002 porn, …). */
export interface SecCheckResult {
  suggest: 'pass' | 'review' | 'risky';
  label: number | undefined;
  traceId: string | undefined;
}

export interface MsgSecCheckOptions {
  apiBase: string;
  tokens: AccessTokens;
  scene: number;
  timeoutMs: number;
}

/** Codes that mean "this access token is no good": invalid (40001) or expired (42001). */
const TOKEN_REJECTED = new Set([40001, 42001]);
const SUGGESTIONS = new Set(['pass', 'review', 'risky']);

/**
 * `POST /wxa/msg_sec_check` version 2 for one piece of at most 2500 characters. WeChat answers errcode 0 for risky
 * content too; the verdict is `result.suggest`. A rejected token is invalidated and the call retried once.
 */
export function createMsgSecCheck(options: MsgSecCheckOptions) {
  const call = async (content: string, openid: string, signal?: AbortSignal) => {
    const token = await options.tokens.get();
    try {
      const url = wechatUrl(options.apiBase, '/wxa/msg_sec_check', { access_token: token });
      const body = { content, version: 2, scene: options.scene, openid };
      return await postWechat(url, body, { timeoutMs: options.timeoutMs, signal });
    } catch (error) {
      if (error instanceof WechatApiError && error.errcode !== undefined && TOKEN_REJECTED.has(error.errcode)) {
        await options.tokens.invalidate(token);
      }
      throw error;
    }
  };
  return async (content: string, openid: string, signal?: AbortSignal): Promise<SecCheckResult> => {
    let answer: Record<string, unknown>;
    try {
      answer = await call(content, openid, signal);
    } catch (error) {
      if (!(error instanceof WechatApiError && error.errcode !== undefined && TOKEN_REJECTED.has(error.errcode))) {
        throw error;
      }
      answer = await call(content, openid, signal);
    }
    const result = answer.result as { suggest?: unknown; label?: unknown } | undefined;
    const suggest = result?.suggest;
    if (typeof suggest !== 'string' || !SUGGESTIONS.has(suggest)) {
      throw new WechatApiError('/wxa/msg_sec_check: answer without result.suggest');
    }
    return {
      suggest: suggest as SecCheckResult['suggest'],
      label: typeof result?.label === 'number' ? result.label : undefined,
      traceId: typeof answer.trace_id === 'string' ? answer.trace_id : undefined,
    };
  };
}

export type MsgSecCheck = ReturnType<typeof createMsgSecCheck>;
