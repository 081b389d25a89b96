import { parseMarkdown } from '../../utils/markdown';

// Renders answer text through the Markdown subset in utils/markdown.ts: only text nodes, nothing executable.
Component({
  properties: {
    text: { type: String, value: '' },
  },
  data: {
    blocks: [] as ReturnType<typeof parseMarkdown>,
  },
  observers: {
    text(text: string) {
      this.setData({ blocks: parseMarkdown(text || '') });
    },
  },
  methods: {
    onSpanTap(event: WechatMiniprogram.BaseEvent) {
      const url = event.currentTarget.dataset.url as string | undefined;
      if (!url) return;
      wx.setClipboardData({ data: url });
    },
  },
});
