import { Pool } from 'undici';
import { AppError } from '../contract/errors.ts';

export interface WechatSession {
  openid: string;
  unionid: string | undefined;
}

export interface Code2SessionOptions {
  apiBase: string;
  appId: string;
  secret: string;
  timeoutMs: number;
}

/** WeChat's answers are a few hundred bytes; anything far larger is not WeChat. */
const MAX_BODY_BYTES = 16 * 1024;
/** WeChat's own advice for "system busy" and "too frequent": try again shortly. */
const BUSY_RETRY_AFTER_S = 5;

/** WeChat's errcode in the project's error model; the errcode itself only reaches the log (as the cause). */
export function mapWechatError(errcode: number, errmsg: string): AppError {
  const cause = new Error(`WeChat code2Session errcode ${errcode}: ${errmsg}`);
  switch (errcode) {
    case 40029:
    case 40163:
      return new AppError(
        'UNAUTHENTICATED',
        'The login code is invalid or already used: call wx.login again and send the new code.',
        { cause },
      );
    case 45011:
    case -1:
      return new AppError('UPSTREAM_UNAVAILABLE', 'WeChat is busy or rate limiting sign-ins: retry shortly.', {
        retryAfter: BUSY_RETRY_AFTER_S,
        cause,
      });
    case 40226:
      return new AppError('FORBIDDEN', 'WeChat flags this account as high-risk: sign-in is refused.', { cause });
    default:
      return new AppError('UPSTREAM_FAILED', 'WeChat sign-in failed on the server side; the operator can see why.', {
        cause,
      });
  }
}

export type Code2Session = (code: string) => Promise<WechatSession>;

/**
 * `auth.code2Session`: a wx.login code for the user's openid (and unionid). The session_key WeChat also returns
 * is dropped here: nothing in this server needs it, so it is neither stored nor sent on.
 */
export function createCode2Session(options: Code2SessionOptions): Code2Session & { close(): Promise<void> } {
  const base = new URL(options.apiBase);
  const prefix = base.pathname.replace(/\/$/, '');
  const pool = new Pool(base.origin, {
    connections: 16,
    connectTimeout: options.timeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const exchange = async (code: string): Promise<WechatSession> => {
    const query = new URLSearchParams({
      appid: options.appId,
      secret: options.secret,
      js_code: code,
      grant_type: 'authorization_code',
    });
    let text: string;
    try {
      const response = await pool.request({
        method: 'GET',
        path: `${prefix}/sns/jscode2session?${query}`,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      text = await readCapped(response.body);
      if (response.statusCode !== 200) {
        throw new AppError('UPSTREAM_FAILED', 'WeChat sign-in failed on the server side; the operator can see why.', {
          cause: new Error(`WeChat code2Session answered HTTP ${response.statusCode}`),
        });
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('UPSTREAM_UNAVAILABLE', 'WeChat cannot be reached right now: retry shortly.', {
        retryAfter: BUSY_RETRY_AFTER_S,
        cause: error,
      });
    }
    return parseAnswer(text);
  };
  return Object.assign(exchange, { close: () => pool.close() });
}

function parseAnswer(text: string): WechatSession {
  let body: { openid?: unknown; unionid?: unknown; errcode?: unknown; errmsg?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    throw mapWechatError(Number.NaN, 'the answer is not JSON');
  }
  if (typeof body.errcode === 'number' && body.errcode !== 0) {
    throw mapWechatError(body.errcode, typeof body.errmsg === 'string' ? body.errmsg.slice(0, 200) : '');
  }
  if (typeof body.openid !== 'string' || body.openid === '' || body.openid.length > 128) {
    throw mapWechatError(Number.NaN, 'the answer carries no usable openid');
  }
  return { openid: body.openid, unionid: typeof body.unionid === 'string' ? body.unionid.slice(0, 128) : undefined };
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw mapWechatError(Number.NaN, `the answer is over ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
