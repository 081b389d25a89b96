import { isSdkError } from '@openclaw-minipro/sdk';

/** A short Chinese message for a failure; server messages are already meant for users. */
export function describeError(error: unknown): string {
  if (!isSdkError(error)) return '出错了，请稍后再试';
  return describeCode(error.code, error.message);
}

export function describeCode(code: string, message: string): string {
  switch (code) {
    case 'UNAUTHENTICATED':
      return '登录已失效，请重新进入';
    case 'PENDING_APPROVAL':
      return '账号正在等待审核';
    case 'FORBIDDEN':
      return '账号已被停用';
    case 'PAYLOAD_TOO_LARGE':
      return '文件太大了';
    case 'RATE_LIMITED':
    case 'QUOTA_EXCEEDED':
      return '请求太频繁，请稍后再试';
    case 'NETWORK_ERROR':
    case 'TIMEOUT':
      return '网络不太好，请重试';
    case 'CANCELLED':
      return '已停止';
    case 'CONTENT_REJECTED':
      return '内容未通过安全检查';
    default:
      return message || '出错了，请稍后再试';
  }
}
