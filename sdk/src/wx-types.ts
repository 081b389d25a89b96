/** The subset of the mini-program `wx` API the SDK uses. */
export type WxHeader = Record<string, string | undefined>;

export interface WxRequestSuccessResult {
  statusCode: number;
  data: unknown;
  header?: WxHeader;
}

export interface WxRequestFailResult {
  errMsg: string;
}

export interface WxRequestOptions {
  url: string;
  method?: 'GET' | 'POST';
  header?: Record<string, string>;
  data?: string | Record<string, unknown> | ArrayBuffer;
  dataType?: 'json' | 'text';
  responseType?: 'text' | 'arraybuffer';
  enableChunked?: boolean;
  timeout?: number;
  success?: (result: WxRequestSuccessResult) => void;
  fail?: (result: WxRequestFailResult) => void;
  complete?: () => void;
}

export interface WxChunk {
  data: ArrayBuffer;
}

export interface WxHeadersReceived {
  header: WxHeader;
  statusCode?: number;
}

export interface WxRequestTask {
  abort(): void;
  onChunkReceived?(listener: (chunk: WxChunk) => void): void;
  offChunkReceived?(listener: (chunk: WxChunk) => void): void;
  onHeadersReceived?(listener: (result: WxHeadersReceived) => void): void;
  offHeadersReceived?(listener: (result: WxHeadersReceived) => void): void;
}

export interface WxLoginOptions {
  timeout?: number;
  success?: (result: { code: string }) => void;
  fail?: (result: WxRequestFailResult) => void;
}

export interface WxLike {
  request(options: WxRequestOptions): WxRequestTask;
  /** WeChat sign-in (`client.signIn()`): a one-time code for the server's code2Session. */
  login?(options: WxLoginOptions): void;
  /** Where the SDK keeps its session between launches. */
  getStorageSync?(key: string): unknown;
  setStorageSync?(key: string, value: unknown): void;
  removeStorageSync?(key: string): void;
}

export function headerValue(header: WxHeader | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(header)) {
    if (key.toLowerCase() === wanted) return header[key];
  }
  return undefined;
}
