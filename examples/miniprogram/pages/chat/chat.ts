import type { ChatStream } from '../../lib/openclaw-sdk/index.js';
import { describeError, type HistoryMessage, sendFile, sendImage, streamMessage } from '../../services/chat.js';

declare function Page(options: Record<string, unknown>): void;
declare const wx: {
  chooseMedia(options: {
    count: number;
    mediaType: string[];
    success(result: { tempFiles: { tempFilePath: string }[] }): void;
  }): void;
  chooseMessageFile(options: {
    count: number;
    type: 'file';
    success(result: { tempFiles: { path: string; name: string }[] }): void;
  }): void;
  showToast(options: { title: string; icon: 'none' }): void;
};

interface ChatPage {
  data: { messages: HistoryMessage[]; input: string; streaming: boolean; toolStatus: string };
  setData(data: Record<string, unknown>): void;
  stream?: ChatStream;
}

Page({
  data: { messages: [], input: '', streaming: false, toolStatus: '' },

  async onSend(this: ChatPage) {
    const history: HistoryMessage[] = [...this.data.messages, { role: 'user', content: this.data.input }];
    const answerIndex = history.length;
    this.setData({ messages: [...history, { role: 'assistant', content: '' }], input: '', streaming: true });
    const { stream, done } = streamMessage(
      history,
      (text) => {
        // Update only the growing message, not the whole list.
        this.setData({ [`messages[${answerIndex}].content`]: text });
      },
      (toolStatus) => this.setData({ toolStatus }),
    );
    this.stream = stream;
    try {
      const answer = await done;
      this.setData({ [`messages[${answerIndex}].content`]: answer });
    } catch (error) {
      wx.showToast({ title: describeError(error), icon: 'none' });
    } finally {
      this.stream = undefined;
      this.setData({ streaming: false, toolStatus: '' });
    }
  },

  onStop(this: ChatPage) {
    void this.stream?.cancel();
  },

  onUnload(this: ChatPage) {
    void this.stream?.cancel();
  },

  onPickImage(this: ChatPage) {
    wx.chooseMedia({
      count: 1,
      mediaType: ['image'],
      success: async ({ tempFiles }) => {
        try {
          const answer = await sendImage(
            this.data.messages.concat({ role: 'user', content: '请描述这张图片' }),
            tempFiles[0]!.tempFilePath,
          );
          this.setData({ messages: [...this.data.messages, { role: 'assistant', content: answer }] });
        } catch (error) {
          wx.showToast({ title: describeError(error), icon: 'none' });
        }
      },
    });
  },

  onPickFile(this: ChatPage) {
    wx.chooseMessageFile({
      count: 1,
      type: 'file',
      success: async ({ tempFiles }) => {
        try {
          const answer = await sendFile(
            this.data.messages.concat({ role: 'user', content: '请总结这个文件' }),
            tempFiles[0]!,
          );
          this.setData({ messages: [...this.data.messages, { role: 'assistant', content: answer }] });
        } catch (error) {
          wx.showToast({ title: describeError(error), icon: 'none' });
        }
      },
    });
  },
});
