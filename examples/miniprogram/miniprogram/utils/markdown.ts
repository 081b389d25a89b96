/**
 * A Markdown subset turned into plain data that WXML renders as `<text>` nodes: no HTML string ever reaches the
 * view, so model output cannot inject markup, and links are shown (tap copies) instead of navigated. Images in the
 * text stay links: only the server's attachments are shown as images.
 */
export type SpanType = 'text' | 'strong' | 'em' | 'code' | 'link';

export interface Span {
  type: SpanType;
  text: string;
  url?: string;
}

export type Block =
  | { type: 'paragraph'; spans: Span[] }
  | { type: 'heading'; level: number; spans: Span[] }
  | { type: 'item'; marker: string; spans: Span[] }
  | { type: 'quote'; spans: Span[] }
  | { type: 'code'; text: string };

const INLINE = /(\*\*([^*]+)\*\*|__([^_]+)__|`([^`]+)`|!?\[([^\]]*)\]\(([^)\s]+)\)|\*([^*\s][^*]*)\*|_([^_\s][^_]*)_)/g;

/** Inline markup of one block: bold, italic, code, links (and images, as links). */
export function parseInline(text: string): Span[] {
  const spans: Span[] = [];
  let last = 0;
  INLINE.lastIndex = 0;
  for (let match = INLINE.exec(text); match; match = INLINE.exec(text)) {
    if (match.index > last) spans.push({ type: 'text', text: text.slice(last, match.index) });
    if (match[2] !== undefined || match[3] !== undefined) spans.push({ type: 'strong', text: match[2] ?? match[3]! });
    else if (match[4] !== undefined) spans.push({ type: 'code', text: match[4] });
    else if (match[6] !== undefined) {
      const isImage = match[1]!.charAt(0) === '!';
      const label = match[5] || match[6];
      spans.push({ type: 'link', text: isImage ? `[图片: ${label}]` : label, url: match[6] });
    } else spans.push({ type: 'em', text: match[7] ?? match[8]! });
    last = match.index + match[0].length;
  }
  if (last < text.length) spans.push({ type: 'text', text: text.slice(last) });
  return spans;
}

/** Blocks of a (possibly still streaming) answer; an unclosed code fence runs to the end. */
export function parseMarkdown(source: string): Block[] {
  const blocks: Block[] = [];
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length > 0) blocks.push({ type: 'paragraph', spans: parseInline(paragraph.join('\n')) });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(```|~~~)/.test(line)) {
      endParagraph();
      const code: string[] = [];
      for (i++; i < lines.length && !/^\s*(```|~~~)/.test(lines[i]!); i++) code.push(lines[i]!);
      blocks.push({ type: 'code', text: code.join('\n') });
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const item = /^\s*([-*+]|\d{1,3}[.)])\s+(.*)$/.exec(line);
    const quote = /^\s*>\s?(.*)$/.exec(line);
    if (heading) {
      endParagraph();
      blocks.push({ type: 'heading', level: heading[1]!.length, spans: parseInline(heading[2]!) });
    } else if (item) {
      endParagraph();
      const marker = /\d/.test(item[1]!) ? item[1]!.replace(')', '.') : '•';
      blocks.push({ type: 'item', marker, spans: parseInline(item[2]!) });
    } else if (quote) {
      endParagraph();
      blocks.push({ type: 'quote', spans: parseInline(quote[1]!) });
    } else if (line.trim() === '') {
      endParagraph();
    } else {
      paragraph.push(line);
    }
  }
  endParagraph();
  return blocks;
}
