import type { FakeWechatHandler } from './fake-wechat.ts';
import type { FakeStableTokens } from './stable-token.ts';

/** Words in a checked text that script WeChat's verdict on it. */
export const SEC_MARKERS = { risky: 'WX_RISKY', review: 'WX_REVIEW' } as const;
/** WeChat's labels: 100 normal, 20001 politics, 20002 porn, 20006 crime, … */
export const SEC_LABELS = { pass: 100, review: 20002, risky: 20001 } as const;

export type Judgement = 'pass' | 'review' | 'risky' | 'down' | 'hang';

export interface MsgSecCheckKnobs {
  /** Answer msg_sec_check with this errcode (e.g. -1 "system busy"). */
  checkErrcode: number | undefined;
  /** Delay every msg_sec_check answer; `Infinity` never answers (a timeout). */
  checkDelayMs: number;
  /**
   * Overrides the markers for the texts it has an opinion on: `down` answers errcode -1, `hang` never answers.
   * (E.g. a verdict on words only the fake gateway's answer contains, so the user's turn passes and the answer not.)
   */
  judge: ((content: string) => Judgement | undefined) | undefined;
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => (Number.isFinite(ms) ? setTimeout(resolve, ms) : undefined));

/**
 * `POST /wxa/msg_sec_check` (version 2): checks the access token (40001/42001 like WeChat), the body's shape and
 * its 2500-character cap, and answers errcode 0 with `result.suggest` from the markers in the text.
 */
export function msgSecCheck(tokens: FakeStableTokens, shared: Partial<MsgSecCheckKnobs> = {}) {
  const knobs: MsgSecCheckKnobs = Object.assign(shared, { checkErrcode: undefined, checkDelayMs: 0, judge: undefined });
  const verdict = (body: { content?: unknown; version?: unknown; openid?: unknown; scene?: unknown }) => {
    if (knobs.checkErrcode !== undefined) return { errcode: knobs.checkErrcode, errmsg: 'system error' };
    const { content, version, openid, scene } = body;
    if (version !== 2 || typeof openid !== 'string' || openid === '' || ![1, 2, 3, 4].includes(scene as number)) {
      return { errcode: 47001, errmsg: 'data format error' };
    }
    if (typeof content !== 'string' || Array.from(content).length > 2500) {
      return { errcode: 47001, errmsg: 'data format error: content over 2500 characters' };
    }
    const judged = knobs.judge?.(content);
    if (judged === 'down') return { errcode: -1, errmsg: 'system error' };
    const suggest =
      judged && judged !== 'hang'
        ? judged
        : content.includes(SEC_MARKERS.risky)
          ? 'risky'
          : content.includes(SEC_MARKERS.review)
            ? 'review'
            : 'pass';
    return {
      errcode: 0,
      errmsg: 'ok',
      result: { suggest, label: SEC_LABELS[suggest] },
      detail: [{ strategy: 'content_model', errcode: 0, suggest, label: SEC_LABELS[suggest], prob: 90 }],
      trace_id: `trace-${Math.random().toString(36).slice(2)}`,
    };
  };
  const handler = (): FakeWechatHandler => ({
    method: 'POST',
    path: '/wxa/msg_sec_check',
    async handle(url, raw) {
      const body = JSON.parse(raw || '{}');
      const hang = typeof body.content === 'string' && knobs.judge?.(body.content) === 'hang';
      await sleep(hang ? Number.POSITIVE_INFINITY : knobs.checkDelayMs);
      const tokenError = tokens.verify(url.searchParams.get('access_token') ?? undefined);
      if (tokenError !== 0) return { errcode: tokenError, errmsg: 'invalid credential' };
      return verdict(body);
    },
  });
  return { knobs, handler };
}
