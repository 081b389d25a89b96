import { errorFromFail } from './errors.ts';
import type { WxLike, WxRequestOptions, WxRequestSuccessResult } from './wx-types.ts';

type PlainRequestOptions = Omit<WxRequestOptions, 'success' | 'fail' | 'complete' | 'enableChunked'>;

/** One `wx.request` as a promise; resolves for every HTTP status (the caller checks it), rejects with an SdkError. */
export function wxRequest(wx: WxLike, options: PlainRequestOptions): Promise<WxRequestSuccessResult> {
  return new Promise((resolve, reject) => {
    wx.request({
      ...options,
      success: resolve,
      fail: (result) => reject(errorFromFail(result?.errMsg)),
    });
  });
}
