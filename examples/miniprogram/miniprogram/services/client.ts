import { type ChatClient, createChatClient } from '@openclaw-minipro/sdk';
import { API_KEY, BASE_URL } from '../config';

let client: ChatClient | undefined;

/** One client for the whole app: it owns the request queue (WeChat allows 10 requests at once) and the session. */
export function getClient(): ChatClient {
  if (!client) client = createChatClient({ baseUrl: BASE_URL, apiKey: API_KEY || undefined });
  return client;
}

/** Attachment URLs may be server-relative (no PUBLIC_BASE_URL set on the server). */
export function absoluteUrl(url: string): string {
  return url.charAt(0) === '/' ? BASE_URL.replace(/\/+$/, '') + url : url;
}
