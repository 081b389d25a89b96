import type { Limits, SendChatInput } from '@openclaw-minipro/sdk';
import { PAGE_SIZE } from '../../config';
import { AnswerRun } from '../../services/answer-run';
import { getClient } from '../../services/client';
import { type PendingAttachment, pickFile, pickImage, readAttachments } from '../../services/picked-attachments';
import { describeCode, describeError } from '../../utils/errors';
import { type PathSetter, throttledSetData } from '../../utils/throttle';
import { generatedAttachments, labelOf, type ViewMessage, viewOfStored, WITHDRAWN } from './view-messages';

interface Turn {
  text: string;
  attachments: NonNullable<SendChatInput['attachments']>;
}

/** What the page keeps outside `data` (never sent to the render thread). */
interface ChatState {
  conversationId?: string;
  /** Cursor of the oldest message shown, for loading earlier ones. */
  earlierCursor?: string | null;
  run?: AnswerRun;
  lastTurn?: Turn;
  limits?: Limits | null;
  setter: PathSetter;
  onAppShow: () => void;
  onAppHide: () => void;
}

const states = new WeakMap<object, ChatState>();
let keys = 0;
const nextKey = () => `k${++keys}`;

Component({
  data: {
    messages: [] as ViewMessage[],
    pending: [] as PendingAttachment[],
    input: '',
    streaming: false,
    scrollTo: '',
    hasEarlier: false,
    /** The menu's "新会话" needs a conversation on the server. */
    canReset: false,
  },

  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const state: ChatState = {
        conversationId: query.id,
        setter: throttledSetData((data) => this.setData(data)),
        onAppShow: () => this.resumeAnswer(),
        onAppHide: () => states.get(this)?.run?.suspend(),
      };
      states.set(this, state);
      wx.onAppShow(state.onAppShow);
      wx.onAppHide(state.onAppHide);
      if (query.id) void this.loadConversation(query.id);
    },

    onUnload() {
      const state = states.get(this);
      if (!state) return;
      wx.offAppShow(state.onAppShow);
      wx.offAppHide(state.onAppHide);
      state.setter.cancel();
      // Leaving does not cancel: the server finishes and stores the answer, shown when the conversation is reopened.
      state.run?.suspend();
    },

    async loadConversation(id: string) {
      try {
        const conversation = await getClient().getConversation(id, { last: PAGE_SIZE });
        if (!conversation) {
          wx.showToast({ title: '对话不存在', icon: 'none' });
          return;
        }
        wx.setNavigationBarTitle({ title: conversation.title });
        const messages = conversation.messages.map(viewOfStored);
        const state = states.get(this);
        if (state) state.earlierCursor = conversation.pageInfo.startCursor;
        this.setData({
          canReset: true,
          messages,
          scrollTo: `m${messages.length - 1}`,
          hasEarlier: conversation.pageInfo.hasPreviousPage,
        });
        const last = conversation.messages[conversation.messages.length - 1];
        if (last && last.status === 'running' && last.runId) this.watchAnswer(messages.length - 1, last.runId);
      } catch (error) {
        wx.showToast({ title: describeError(error), icon: 'none' });
      }
    },

    /** Older messages, prepended (the only whole-list update; not while an answer streams into its path). */
    async onLoadEarlier() {
      const state = states.get(this);
      if (!state?.conversationId || !state.earlierCursor || !this.data.hasEarlier || this.data.streaming) return;
      const before = state.earlierCursor;
      state.earlierCursor = null; // one load at a time
      try {
        const page = await getClient().getConversation(state.conversationId, { last: PAGE_SIZE, before });
        if (!page || this.data.streaming) return;
        const older = page.messages.map(viewOfStored);
        state.earlierCursor = page.pageInfo.startCursor;
        this.setData({
          messages: older.concat(this.data.messages),
          hasEarlier: page.pageInfo.hasPreviousPage,
          scrollTo: `m${older.length}`,
        });
      } catch (error) {
        state.earlierCursor = before;
        wx.showToast({ title: describeError(error), icon: 'none' });
      }
    },

    onInput(event: WechatMiniprogram.Input) {
      this.setData({ input: event.detail.value });
    },

    onPickImage() {
      pickImage(nextKey, (picked) => this.setData({ pending: this.data.pending.concat(picked) }));
    },

    onPickFile() {
      pickFile(nextKey, (picked) => this.setData({ pending: this.data.pending.concat(picked) }));
    },

    onRemovePending(event: WechatMiniprogram.BaseEvent) {
      const index = Number(event.currentTarget.dataset.index);
      this.setData({ pending: this.data.pending.filter((_, i) => i !== index) });
    },

    async onSend() {
      const state = states.get(this);
      const pending = this.data.pending;
      const typed = this.data.input.trim();
      if (!state || this.data.streaming || (!typed && pending.length === 0)) return;
      const hasImage = pending.some((item) => item.kind === 'image');
      const text = typed || (hasImage ? '请描述这张图片' : '请总结这个文件');
      let attachments: Turn['attachments'];
      try {
        if (pending.length > 0 && state.limits === undefined)
          state.limits = await getClient()
            .limits()
            .catch(() => null);
        attachments = await readAttachments(getClient(), pending, state.limits || null);
      } catch (error) {
        wx.showToast({ title: describeError(error), icon: 'none' });
        return;
      }
      const user: ViewMessage = {
        key: nextKey(),
        role: 'user',
        text,
        images: pending.filter((item) => item.kind === 'image').map((item) => item.path),
        files: pending.filter((item) => item.kind === 'file').map((item) => item.name),
      };
      const index = this.data.messages.length;
      this.setData({ [`messages[${index}]`]: user, input: '', pending: [] });
      state.lastTurn = { text, attachments };
      this.startAnswer(index + 1, state.lastTurn);
    },

    /** Streams the answer to `turn` into `messages[index]`, updating only that message's paths, throttled. */
    startAnswer(index: number, turn: Turn) {
      const state = states.get(this);
      if (!state) return;
      const answer: ViewMessage = { key: nextKey(), role: 'assistant', text: '', status: 'streaming', tool: '' };
      this.setData({ [`messages[${index}]`]: answer, streaming: true, scrollTo: `m${index}` });
      const run = this.createRun(state, index);
      run.start({
        messages: [{ role: 'user', content: turn.text }],
        attachments: turn.attachments.length > 0 ? turn.attachments : undefined,
        conversationId: state.conversationId,
      });
    },

    /** Follows a run already going on the server (a conversation reopened mid-answer). */
    watchAnswer(index: number, runId: string) {
      const state = states.get(this);
      if (!state) return;
      this.setData({ streaming: true });
      const run = this.createRun(state, index);
      run.runId = runId;
      run.resume();
    },

    createRun(state: ChatState, index: number): AnswerRun {
      const path = `messages[${index}]`;
      const setter = state.setter;
      const run = new AnswerRun(getClient(), {
        onStarted: (conversationId) => {
          if (!conversationId) return;
          state.conversationId = conversationId;
          if (!this.data.canReset) this.setData({ canReset: true });
        },
        onText: (text) => setter.set(`${path}.text`, text),
        // Not throttled: a tool that starts and ends within one interval must still be seen.
        onTool: (status) => {
          setter.flush();
          this.setData({ [`${path}.tool`]: status });
        },
        onCompleted: (result) => {
          setter.flush();
          const generated = generatedAttachments(result);
          state.run = undefined;
          this.setData({
            [`${path}.text`]: result.message.content,
            [`${path}.status`]: 'done',
            [`${path}.tool`]: '',
            [`${path}.label`]: labelOf(result),
            [`${path}.generatedImages`]: generated.images,
            [`${path}.generatedFiles`]: generated.files,
            streaming: false,
            scrollTo: `m${index}`,
          });
        },
        onFailed: (code, message) => {
          setter.flush();
          state.run = undefined;
          this.setData({
            [`${path}.status`]: code === 'CANCELLED' ? 'stopped' : 'failed',
            [`${path}.tool`]: '',
            [`${path}.error`]: describeCode(code, message),
            [`${path}.retry`]: state.lastTurn !== undefined,
            streaming: false,
          });
        },
        onRetracted: () => {
          setter.cancel();
          state.run = undefined;
          this.setData({
            [`${path}.text`]: '',
            [`${path}.status`]: 'withdrawn',
            [`${path}.tool`]: '',
            [`${path}.label`]: '',
            [`${path}.notice`]: WITHDRAWN,
            streaming: false,
          });
        },
        onInterrupted: () => {
          setter.flush();
          this.setData({ [`${path}.status`]: 'interrupted' });
        },
      });
      state.run = run;
      return run;
    },

    /** App back from the background (or the user's retry on a cut stream): continue the answer where it stopped. */
    resumeAnswer() {
      const state = states.get(this);
      const run = state?.run;
      if (!run?.running) return;
      const index = this.data.messages.length - 1;
      this.setData({ [`messages[${index}].status`]: 'streaming' });
      run.resume();
    },

    /** The page menu: "新会话" starts a fresh agent session; the messages shown stay. */
    onMenu() {
      const state = states.get(this);
      if (!state?.conversationId || this.data.streaming) return;
      const id = state.conversationId;
      wx.showActionSheet({
        itemList: ['新会话（AI 不再记得上面的内容）'],
        success: (result) => {
          if (result.tapIndex === 0) void this.resetSession(id);
        },
      });
    },

    async resetSession(id: string) {
      try {
        await getClient().resetConversation(id);
      } catch (error) {
        wx.showToast({ title: describeError(error), icon: 'none' });
        return;
      }
      const index = this.data.messages.length;
      const divider: ViewMessage = { key: nextKey(), role: 'divider', text: '新会话' };
      this.setData({ [`messages[${index}]`]: divider, scrollTo: `m${index}` });
    },

    onStop() {
      const run = states.get(this)?.run;
      if (run) void run.stop();
    },

    onRetry(event: WechatMiniprogram.BaseEvent) {
      const state = states.get(this);
      const index = Number(event.currentTarget.dataset.index);
      if (!state || this.data.streaming || !state.lastTurn) return;
      this.startAnswer(index, state.lastTurn);
    },

    onPreviewImage(event: WechatMiniprogram.BaseEvent) {
      const src = event.currentTarget.dataset.src as string;
      wx.previewImage({ current: src, urls: [src] });
    },

    onCopyLink(event: WechatMiniprogram.BaseEvent) {
      wx.setClipboardData({ data: event.currentTarget.dataset.url as string });
    },
  },
});
