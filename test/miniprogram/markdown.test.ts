import { describe, expect, it } from 'vitest';
import { loadExampleModule } from './example-project.ts';

const { parseInline, parseMarkdown } = (await loadExampleModule('utils/markdown.ts')) as {
  parseInline(text: string): unknown;
  parseMarkdown(text: string): unknown;
};

describe('example Markdown subset', () => {
  it('splits blocks: headings, paragraphs, list items, quotes and fenced code', () => {
    const blocks = parseMarkdown('# 标题\n\n第一段\n第二行\n\n- 一\n2. 二\n> 引用\n```js\nconst a = 1 < 2;\n```\n尾');
    expect(blocks).toEqual([
      { type: 'heading', level: 1, spans: [{ type: 'text', text: '标题' }] },
      { type: 'paragraph', spans: [{ type: 'text', text: '第一段\n第二行' }] },
      { type: 'item', marker: '•', spans: [{ type: 'text', text: '一' }] },
      { type: 'item', marker: '2.', spans: [{ type: 'text', text: '二' }] },
      { type: 'quote', spans: [{ type: 'text', text: '引用' }] },
      { type: 'code', text: 'const a = 1 < 2;' },
      { type: 'paragraph', spans: [{ type: 'text', text: '尾' }] },
    ]);
  });

  it('marks inline bold, italic, code and links; images stay named links', () => {
    expect(parseInline('a **b** _c_ `d` [e](https://x.y/e) ![f](https://x.y/f.png)')).toEqual([
      { type: 'text', text: 'a ' },
      { type: 'strong', text: 'b' },
      { type: 'text', text: ' ' },
      { type: 'em', text: 'c' },
      { type: 'text', text: ' ' },
      { type: 'code', text: 'd' },
      { type: 'text', text: ' ' },
      { type: 'link', text: 'e', url: 'https://x.y/e' },
      { type: 'text', text: ' ' },
      { type: 'link', text: '[图片: f]', url: 'https://x.y/f.png' },
    ]);
  });

  it('keeps markup as plain text: nothing is HTML', () => {
    const blocks = parseMarkdown('<img src=x onerror=alert(1)> <b>hi</b>');
    expect(blocks).toEqual([
      { type: 'paragraph', spans: [{ type: 'text', text: '<img src=x onerror=alert(1)> <b>hi</b>' }] },
    ]);
  });

  it('copes with a half-streamed answer: an open fence runs to the end, an open ** stays literal', () => {
    expect(parseMarkdown('看 **这\n```\ncode')).toEqual([
      { type: 'paragraph', spans: [{ type: 'text', text: '看 **这' }] },
      { type: 'code', text: 'code' },
    ]);
  });
});
