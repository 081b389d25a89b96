import type { FakeWechatHandler, FakeWechatState } from './fake-wechat.ts';

/**
 * `GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`, as WeChat answers it: a code maps
 * to an openid (`openidFor`, by default `o_<code without its "code-" prefix>`), each code works once (40163 after),
 * a wrong appid/secret is 40013/40125, and `state.errcodes` scripts an errcode for a code (or for every code, '*').
 * The JSON comes as text/plain, as WeChat sends it.
 */
export function code2SessionHandler(state: FakeWechatState): FakeWechatHandler {
  return {
    method: 'GET',
    path: '/sns/jscode2session',
    handle(url) {
      const q = url.searchParams;
      const code = q.get('js_code') ?? '';
      if (q.get('appid') !== state.appId) return { errcode: 40013, errmsg: 'invalid appid' };
      if (q.get('secret') !== state.secret) return { errcode: 40125, errmsg: 'invalid appsecret' };
      if (q.get('grant_type') !== 'authorization_code') return { errcode: 40002, errmsg: 'invalid grant_type' };
      const scripted = state.errcodes.get(code) ?? state.errcodes.get('*');
      if (scripted !== undefined) return { errcode: scripted, errmsg: `scripted errcode ${scripted}` };
      if (code === '' || code.startsWith('bad')) return { errcode: 40029, errmsg: 'invalid code' };
      if (state.usedCodes.has(code)) return { errcode: 40163, errmsg: 'code been used' };
      state.usedCodes.add(code);
      const openid = state.openidFor(code);
      return {
        openid,
        session_key: `sk-${openid}-must-never-leave-the-server`,
        ...(state.unionid ? { unionid: `un_${openid}` } : {}),
      };
    },
  };
}
