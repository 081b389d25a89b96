import { request } from 'undici';

/** WeChat answers are small JSON documents; anything larger is not one of them. */
export const MAX_WECHAT_BODY_BYTES = 64 * 1024;

export interface WechatCallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A WeChat API call that failed: unreachable, too slow, not JSON, or a non-zero `errcode`. */
export class WechatApiError extends Error {
  override name = 'WechatApiError';
  /** WeChat's own `errcode` when it answered with one. */
  readonly errcode: number | undefined;

  constructor(message: string, errcode?: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.errcode = errcode;
  }
}

/**
 * POSTs JSON to a WeChat endpoint and returns its JSON answer, bounded in time (connect to last byte) and size.
 * A non-zero `errcode` throws. The URL (with its access_token) never appears in the error.
 */
export async function postWechat(
  url: URL,
  body: unknown,
  options: WechatCallOptions,
): Promise<Record<string, unknown>> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let text: string;
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_WECHAT_BODY_BYTES) {
        response.body.destroy();
        throw new WechatApiError(`${url.pathname}: answer larger than ${MAX_WECHAT_BODY_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
    text = Buffer.concat(chunks).toString('utf8');
    if (response.statusCode !== 200) throw new WechatApiError(`${url.pathname}: HTTP ${response.statusCode}`);
  } catch (error) {
    if (error instanceof WechatApiError) throw error;
    if (options.signal?.aborted) throw options.signal.reason;
    const what = timeout.aborted ? `no answer within ${options.timeoutMs} ms` : 'unreachable';
    throw new WechatApiError(`${url.pathname}: ${what}`, undefined, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WechatApiError(`${url.pathname}: answer is not JSON`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new WechatApiError(`${url.pathname}: answer is not a JSON object`);
  }
  const answer = json as Record<string, unknown>;
  const errcode = answer.errcode;
  if (errcode !== undefined && errcode !== 0) {
    const code = typeof errcode === 'number' ? errcode : Number(errcode);
    const errmsg = typeof answer.errmsg === 'string' ? answer.errmsg.slice(0, 200) : '';
    throw new WechatApiError(`${url.pathname}: errcode ${code} ${errmsg}`.trim(), code);
  }
  return answer;
}

/** `base` + `path`, keeping a path prefix of `base` (a proxy in front of api.weixin.qq.com). */
export function wechatUrl(base: string, path: string, query: Record<string, string> = {}): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url;
}
