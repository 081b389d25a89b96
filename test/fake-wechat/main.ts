/**
 * Standalone fake WeChat API: `node test/fake-wechat/main.ts`.
 * Env: FAKE_WECHAT_PORT (default 18791), FAKE_WECHAT_HOST (default 127.0.0.1), FAKE_WECHAT_APPID, FAKE_WECHAT_SECRET.
 * Prints `FAKE_WECHAT_URL=http://127.0.0.1:PORT` once listening (point WECHAT_API_BASE at it).
 */

import { serveStandalone } from '../helpers/standalone.ts';
import { FAKE_APPID, FAKE_SECRET, startFakeWechat } from './fake-wechat.ts';

const wechat = await startFakeWechat({
  port: Number(process.env.FAKE_WECHAT_PORT ?? 18791),
  host: process.env.FAKE_WECHAT_HOST || '127.0.0.1',
  appId: process.env.FAKE_WECHAT_APPID || FAKE_APPID,
  secret: process.env.FAKE_WECHAT_SECRET || FAKE_SECRET,
});
serveStandalone(wechat, 'FAKE_WECHAT_URL');
