import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/env.ts';
import { AccessTokens } from '../wechat/access-token.ts';
import { createMsgSecCheck, MSG_SEC_CHECK_MAX_CHARS } from '../wechat/msg-sec-check.ts';
import { MemoryTokenCache, type TokenCache } from '../wechat/token-cache.ts';
import type { Moderation } from './moderation.ts';
import { createModerationPolicy } from './policy.ts';

/** The configured policy (MODERATION), or undefined when it is off. */
export function createModeration(
  config: Pick<Config, 'moderation' | 'wechat'>,
  log: FastifyBaseLogger,
  cache: TokenCache = new MemoryTokenCache(),
): Moderation | undefined {
  const { moderation, wechat } = config;
  if (moderation.provider === 'off') return undefined;
  if (!wechat) throw new Error('MODERATION=wechat needs WECHAT_APPID and WECHAT_SECRET');
  const { appId, secret, apiBase, timeoutMs } = wechat;
  const tokens = new AccessTokens({ appId, secret, apiBase, timeoutMs, cache, log });
  const check = createMsgSecCheck({ apiBase, tokens, scene: moderation.scene, timeoutMs });
  return createModerationPolicy({
    check,
    maxChars: MSG_SEC_CHECK_MAX_CHARS,
    review: moderation.review,
    fail: moderation.fail,
    streamChars: moderation.streamChars,
    log,
  });
}
