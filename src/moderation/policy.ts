import type { FailMode } from '../config/env.ts';
import type { Direction, Moderation, ModerationLog, Verdict } from './moderation.ts';
import { ALLOWED } from './moderation.ts';
import { splitText } from './split.ts';

/** One provider call on one piece of text (at most `maxChars`): WeChat's `suggest` vocabulary. */
export type ContentCheck = (
  piece: string,
  openid: string,
  signal?: AbortSignal,
) => Promise<{ suggest: 'pass' | 'review' | 'risky'; label?: number | undefined; traceId?: string | undefined }>;

export interface PolicyOptions {
  check: ContentCheck;
  /** The provider's limit per call; longer text is split. */
  maxChars: number;
  review: 'allow' | 'refuse';
  fail: Record<Direction, FailMode>;
  streamChars: number;
  /** For checks made without a request's logger, and for callers without an openid. */
  log: ModerationLog & { debug(object: object, message: string): void };
}

/**
 * `risky` is refused, `review` allowed or refused per MODERATION_REVIEW (logged with its label either way), `pass`
 * allowed. A provider failure is decided by the direction's fail mode and logged. Callers without an openid (API
 * keys: the operator's own backends) are not checked: WeChat's API cannot judge content without a WeChat user.
 */
export function createModerationPolicy(options: PolicyOptions): Moderation {
  return {
    streamChars: options.streamChars,
    async moderate(text, who, direction, call = {}): Promise<Verdict> {
      if (text.trim() === '') return ALLOWED;
      const log = call.log ?? options.log;
      if (!who.openid) {
        options.log.debug({ direction, principal: who.id }, 'moderation skipped: the caller has no WeChat openid');
        return ALLOWED;
      }
      const pieces = splitText(text, options.maxChars);
      for (const [index, piece] of pieces.entries()) {
        let result: Awaited<ReturnType<ContentCheck>>;
        try {
          result = await options.check(piece, who.openid, call.signal);
        } catch (err) {
          if (call.signal?.aborted) throw call.signal.reason;
          const mode = options.fail[direction];
          log.error(
            { err, direction, failMode: mode, runId: call.runId },
            `moderation unavailable: ${direction} ${mode === 'open' ? 'allowed' : 'refused'} (MODERATION_FAIL=${mode})`,
          );
          if (mode === 'open') return ALLOWED;
          return { allowed: false, reason: 'unavailable' };
        }
        if (result.suggest === 'pass') continue;
        const refused = result.suggest === 'risky' || options.review === 'refuse';
        log.info(
          {
            direction,
            suggest: result.suggest,
            label: result.label,
            traceId: result.traceId,
            piece: `${index + 1}/${pieces.length}`,
            runId: call.runId,
          },
          `moderation: ${direction} ${result.suggest}, ${refused ? 'refused' : 'allowed'}`,
        );
        if (refused) return { allowed: false, reason: 'rejected' };
      }
      return ALLOWED;
    },
  };
}
