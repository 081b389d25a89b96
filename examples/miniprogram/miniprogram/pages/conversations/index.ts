import type { Conversation } from '@openclaw-minipro/sdk';
import { PAGE_SIZE } from '../../config';
import { getClient } from '../../services/client';
import { describeError } from '../../utils/errors';

interface ListItem {
  id: string;
  title: string;
  time: string;
  swiped: boolean;
}

const SWIPE_PX = 40;
const touchStarts = new WeakMap<object, number>();
const cursors = new WeakMap<object, string | null>();

function formatTime(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
  return `${date.getMonth() + 1}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function itemOf(conversation: Conversation): ListItem {
  return {
    id: conversation.id,
    title: conversation.title || '新对话',
    time: formatTime(conversation.updatedAt),
    swiped: false,
  };
}

Component({
  data: {
    items: [] as ListItem[],
    loading: false,
    hasMore: true,
  },

  methods: {
    onShow() {
      // Also after returning from a chat: its conversation moved to the top or got its title.
      void this.refresh();
    },

    async onPullDownRefresh() {
      await this.refresh();
      wx.stopPullDownRefresh();
    },

    onReachBottom() {
      if (this.data.hasMore && !this.data.loading) void this.loadPage(cursors.get(this) || undefined);
    },

    refresh(): Promise<void> {
      return this.loadPage(undefined);
    },

    /** First page when `after` is undefined (replacing the list), else the page after that cursor (appended). */
    async loadPage(after: string | undefined) {
      this.setData({ loading: true });
      try {
        const page = await getClient().listConversations({ first: PAGE_SIZE, after });
        const items = page.conversations.map(itemOf);
        cursors.set(this, page.pageInfo.endCursor);
        if (after === undefined) this.setData({ items, hasMore: page.pageInfo.hasNextPage });
        else {
          // Append as paths: only the new rows cross to the render thread.
          const update: Record<string, unknown> = { hasMore: page.pageInfo.hasNextPage };
          const start = this.data.items.length;
          items.forEach((item, i) => {
            update[`items[${start + i}]`] = item;
          });
          this.setData(update);
        }
      } catch (error) {
        wx.showToast({ title: describeError(error), icon: 'none' });
      } finally {
        this.setData({ loading: false });
      }
    },

    onTouchStart(event: WechatMiniprogram.TouchEvent) {
      touchStarts.set(this, event.touches[0] ? event.touches[0].clientX : 0);
    },

    onTouchEnd(event: WechatMiniprogram.TouchEvent) {
      const start = touchStarts.get(this);
      const touch = event.changedTouches[0];
      if (start === undefined || !touch) return;
      const index = Number(event.currentTarget.dataset.index);
      const dx = touch.clientX - start;
      if (Math.abs(dx) < SWIPE_PX) return;
      const update: Record<string, boolean> = {};
      this.data.items.forEach((item, i) => {
        const swiped = i === index && dx < 0;
        if (item.swiped !== swiped) update[`items[${i}].swiped`] = swiped;
      });
      this.setData(update);
    },

    onOpen(event: WechatMiniprogram.BaseEvent) {
      const item = this.data.items[Number(event.currentTarget.dataset.index)];
      if (!item) return;
      if (item.swiped) {
        this.setData({ [`items[${Number(event.currentTarget.dataset.index)}].swiped`]: false });
        return;
      }
      wx.navigateTo({ url: `/pages/chat/index?id=${encodeURIComponent(item.id)}` });
    },

    onNew() {
      wx.navigateTo({ url: '/pages/chat/index' });
    },

    onRename(event: WechatMiniprogram.BaseEvent) {
      const index = Number(event.currentTarget.dataset.index);
      const item = this.data.items[index];
      if (!item) return;
      wx.showModal({
        title: '重命名',
        editable: true,
        placeholderText: '对话标题',
        content: item.title,
        success: async (result) => {
          const title = (result.content || '').trim();
          if (!result.confirm || !title || title === item.title) return;
          try {
            const renamed = await getClient().renameConversation(item.id, title);
            this.setData({ [`items[${index}].title`]: renamed.title, [`items[${index}].swiped`]: false });
          } catch (error) {
            wx.showToast({ title: describeError(error), icon: 'none' });
          }
        },
      });
    },

    onDelete(event: WechatMiniprogram.BaseEvent) {
      const index = Number(event.currentTarget.dataset.index);
      const item = this.data.items[index];
      if (!item) return;
      wx.showModal({
        title: '删除对话',
        content: `删除“${item.title}”？`,
        confirmColor: '#f54a45',
        success: async (result) => {
          if (!result.confirm) return;
          try {
            await getClient().deleteConversation(item.id);
            this.setData({ items: this.data.items.filter((other) => other.id !== item.id) });
          } catch (error) {
            wx.showToast({ title: describeError(error), icon: 'none' });
          }
        },
      });
    },
  },
});
