import { type ChatClient, createChatClient } from '@openclaw-minipro/sdk';
import { BASE_URL } from '../config';

let client: ChatClient | undefined;

/**
 * One client for the whole app: it owns the request queue (WeChat allows 10 requests at once) and the WeChat
 * session (wx.login on first use, tokens in wx storage, refreshed as they expire). No API key ships in the package.
 */
export function getClient(): ChatClient {
  if (!client) client = createChatClient({ baseUrl: BASE_URL, wechat: true });
  return client;
}

/** Attachment URLs are server-relative when the server has no PUBLIC_BASE_URL. */
export function absoluteUrl(url: string): string {
  return url.charAt(0) === '/' ? BASE_URL.replace(/\/+$/, '') + url : url;
}
