import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ContentSecurityWechat, startContentSecurityWechat } from '../../test/fake-wechat/content-security.ts';
import { FAKE_APPID, FAKE_SECRET } from '../../test/fake-wechat/fake-wechat.ts';
import { SEC_LABELS, SEC_MARKERS } from '../../test/fake-wechat/msg-sec-check.ts';
import { AccessTokens } from './access-token.ts';
import { WechatApiError } from './api.ts';
import { createMsgSecCheck } from './msg-sec-check.ts';
import { MemoryTokenCache } from './token-cache.ts';

let wechat: ContentSecurityWechat;
beforeAll(async () => {
  wechat = await startContentSecurityWechat();
});
afterAll(() => wechat.close());
beforeEach(() => {
  wechat.wechat.received.length = 0;
  Object.assign(wechat.knobs, { checkErrcode: undefined, checkDelayMs: 0, judge: undefined });
  wechat.revokeTokens();
});

function setup(apiBase = wechat.url, timeoutMs = 2000) {
  const tokens = new AccessTokens({
    appId: FAKE_APPID,
    secret: FAKE_SECRET,
    apiBase,
    timeoutMs,
    cache: new MemoryTokenCache(),
  });
  return createMsgSecCheck({ apiBase, tokens, scene: 3, timeoutMs });
}

const checks = () => wechat.calls('/wxa/msg_sec_check');

describe('msg_sec_check', () => {
  it('sends version 2, the openid, the scene and the content with the access token', async () => {
    const check = setup();
    expect(await check('你好', 'o-user')).toMatchObject({ suggest: 'pass', label: SEC_LABELS.pass });
    expect(checks()[0]!.body).toEqual({ content: '你好', version: 2, scene: 3, openid: 'o-user' });
    expect(checks()[0]!.query.access_token).toMatch(/^fake-access-token-/);
  });

  it('reads the verdict from result.suggest (errcode 0 for risky content too)', async () => {
    const check = setup();
    expect((await check(`a ${SEC_MARKERS.review}`, 'o')).suggest).toBe('review');
    expect(await check(`a ${SEC_MARKERS.risky}`, 'o')).toMatchObject({ suggest: 'risky', label: SEC_LABELS.risky });
  });

  it.each([
    ['40001 (revoked)', () => wechat.revokeTokens()],
    ['42001 (expired)', () => wechat.expireTokens()],
  ])('a rejected token, %s, is replaced and the call retried once', async (_label, reject) => {
    const check = setup();
    await check('one', 'o');
    reject();
    expect((await check('two', 'o')).suggest).toBe('pass');
    expect(wechat.calls('/cgi-bin/stable_token')).toHaveLength(2);
    expect(checks()).toHaveLength(3);
    expect(checks()[1]!.query.access_token).not.toBe(checks()[2]!.query.access_token);
  });

  it('errcode -1 and a missing verdict are WechatApiErrors, not retried', async () => {
    const check = setup();
    wechat.knobs.checkErrcode = -1;
    const error = await check('x', 'o').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatApiError);
    expect((error as WechatApiError).errcode).toBe(-1);
    expect(checks()).toHaveLength(1);
  });

  it('a silent WeChat times out', async () => {
    const check = setup(wechat.url, 200);
    await check('warm up', 'o');
    wechat.knobs.checkDelayMs = Number.POSITIVE_INFINITY;
    await expect(check('x', 'o')).rejects.toThrow(/no answer within 200 ms/);
  });

  it('an oversized or non-JSON answer is refused (the oversized one without reading it all)', async () => {
    let answer = '<html>';
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/cgi-bin/')) return res.end('{"access_token":"t","expires_in":7200}');
      res.end(answer);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const check = setup(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      await expect(check('x', 'o')).rejects.toThrow('/wxa/msg_sec_check: answer is not JSON');
      answer = `{"x":"${'a'.repeat(200_000)}"}`;
      await expect(check('x', 'o')).rejects.toThrow(/larger than 65536 bytes/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('an unreachable WeChat is a WechatApiError that names no URL or token', async () => {
    const check = setup('http://127.0.0.1:9');
    const error = await check('x', 'o').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatApiError);
    expect((error as Error).message).toBe('/cgi-bin/stable_token: unreachable');
  });
});
