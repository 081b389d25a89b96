/**
 * Your backend's origin: an https:// domain on the mini-program's request whitelist (mp.weixin.qq.com → 开发管理 →
 * 开发设置 → 服务器域名 → request 合法域名), no IP address, no port unless whitelisted with it.
 */
export const BASE_URL = 'https://your-backend.example.com';

/** Conversations per page of the list; messages loaded when a conversation is opened. */
export const PAGE_SIZE = 20;
