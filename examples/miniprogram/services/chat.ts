// Before: wx.request POST `${BASE_URL}/api/chat` with { model: 'openclaw', messages: [system, ...history], stream: false }
// and `res.data.choices[0].message.content`. After: typed SDK calls (copy dist/miniprogram/ to miniprogram/lib/openclaw-sdk/).
import {
  type ChatEvent,
  type ChatStream,
  createChatClient,
  isSdkError,
  mimeTypeFromFileName,
  type SendChatInput,
} from '../lib/openclaw-sdk/index.js';

declare const wx: {
  getFileSystemManager(): {
    readFile(options: {
      filePath: string;
      encoding: 'base64';
      success(result: { data: string }): void;
      fail(error: { errMsg: string }): void;
    }): void;
  };
  getStorageSync(key: string): string;
};

const BASE_URL = 'https://your-backend.example.com';
const SYSTEM_PROMPT = 'You are a helpful assistant.';

export interface HistoryMessage {
  role: 'user' | 'assistant';
  content: string;
}

export const chatClient = createChatClient({
  baseUrl: BASE_URL,
  // Either a key baked into the build…
  // apiKey: 'sk-…',
  // …or a token from your login flow; `forceRefresh` is true after a 401.
  getToken: ({ forceRefresh }) => (forceRefresh ? refreshLoginToken() : wx.getStorageSync('token')),
  idleTimeoutMs: 20000,
});

async function refreshLoginToken(): Promise<string> {
  // wx.login() + your backend's login endpoint; store and return the new token.
  return wx.getStorageSync('token');
}

export function readFileAsBase64(filePath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.getFileSystemManager().readFile({
      filePath,
      encoding: 'base64',
      success: (result) => resolve(result.data),
      fail: (error) => reject(new Error(error.errMsg)),
    });
  });
}

function chatInput(history: HistoryMessage[], attachments?: SendChatInput['attachments']): SendChatInput {
  return { messages: [{ role: 'system', content: SYSTEM_PROMPT }, ...history], attachments };
}

/** Text only: the same thing the old `/api/chat` call did. */
export async function sendMessage(history: HistoryMessage[]): Promise<string> {
  const result = await chatClient.sendChat(chatInput(history));
  return result.message.content;
}

/** An image picked with wx.chooseMedia({ mediaType: ['image'] }), sent as base64. */
export async function sendImage(history: HistoryMessage[], tempFilePath: string): Promise<string> {
  const data = await readFileAsBase64(tempFilePath);
  const mimeType = mimeTypeFromFileName(tempFilePath) ?? 'image/jpeg';
  const result = await chatClient.sendChat(chatInput(history, [{ image: { data, mimeType } }]));
  return result.message.content;
}

/** A file picked with wx.chooseMessageFile({ type: 'file' }); its MIME type comes from the extension. */
export async function sendFile(history: HistoryMessage[], file: { path: string; name: string }): Promise<string> {
  const data = await readFileAsBase64(file.path);
  const result = await chatClient.sendChat(
    chatInput(history, [{ file: { name: file.name, data, mimeType: mimeTypeFromFileName(file.name) } }]),
  );
  return result.message.content;
}

/**
 * Streams the answer; `onText` gets the whole text so far, `onTool` a status line while the agent uses a tool
 * (empty when it is done). Keep the returned stream to `cancel()` it.
 */
export function streamMessage(
  history: HistoryMessage[],
  onText: (text: string) => void,
  onTool: (status: string) => void = () => {},
): { stream: ChatStream; done: Promise<string> } {
  const stream = chatClient.chatStream(chatInput(history));
  const done = (async () => {
    let text = '';
    for await (const event of stream as AsyncIterable<ChatEvent>) {
      if (event.__typename === 'ChatDelta') {
        text += event.text;
        onText(text);
      } else if (event.__typename === 'ChatToolCall') {
        onTool(event.phase === 'started' ? `正在使用工具：${event.title ?? event.name}` : '');
      } else if (event.__typename === 'ChatCompleted') {
        return event.result.message.content;
      } else if (event.__typename === 'ChatFailed') {
        throw new Error(`${event.code}: ${event.message}`);
      }
    }
    return text; // cancelled
  })();
  return { stream, done };
}

export function describeError(error: unknown): string {
  if (!isSdkError(error)) return '出错了，请稍后再试';
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return '请重新登录';
    case 'PAYLOAD_TOO_LARGE':
      return '文件太大了';
    case 'RATE_LIMITED':
      return '请求太频繁，请稍后再试';
    case 'NETWORK_ERROR':
    case 'TIMEOUT':
      return '网络不太好，请重试';
    default:
      return error.message;
  }
}
