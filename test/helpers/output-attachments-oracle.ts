import { FILE_EXT, fileName, IMAGE_EXT, pathOf } from '../../src/chat/output-attachments.ts';
import type { OutputAttachment } from '../../src/contract/chat.ts';

/** The regex scan that src/chat/output-attachments.ts replaced, kept as a test oracle: same results, but quadratic on hostile text. */

const MARKDOWN_LINK = /(!?)\[([^\]\n]*)\]\(\s*<?(https?:\/\/[^\s)>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const BARE_URL = /https?:\/\/[^\s<>()"'`\][，。；：！？、）】」》]+/g;

/**
 * AI-generated media arrive as Markdown images/links or bare URLs in the answer text. Markdown
 * images are images whatever their extension; links and bare URLs count when their path names a
 * media or document file. First occurrence wins, in text order.
 */
export function referenceExtract(text: string): OutputAttachment[] {
  if (!text.includes('http')) return [];
  const found = new Map<string, { at: number; attachment: OutputAttachment }>();
  const add = (at: number, attachment: OutputAttachment) => {
    const seen = found.get(attachment.url);
    if (!seen || seen.at > at) found.set(attachment.url, { at, attachment });
  };
  const covered: Array<[number, number]> = [];
  for (const match of text.matchAll(MARKDOWN_LINK)) {
    const [whole, bang, label, url] = match as unknown as [string, string, string, string];
    covered.push([match.index, match.index + whole.length]);
    const path = pathOf(url);
    if (bang || IMAGE_EXT.test(path)) add(match.index, { type: 'image', url, ...(label ? { name: label } : {}) });
    else if (FILE_EXT.test(path)) add(match.index, { type: 'file', url, name: label || fileName(url) || url });
  }
  for (const match of text.matchAll(BARE_URL)) {
    if (covered.some(([start, end]) => match.index >= start && match.index < end)) continue;
    const url = match[0].replace(/[.,;:!?，。；：！？]+$/u, '');
    const path = pathOf(url);
    if (IMAGE_EXT.test(path)) add(match.index, { type: 'image', url });
    else if (FILE_EXT.test(path)) add(match.index, { type: 'file', url, name: fileName(url) ?? url });
  }
  return [...found.values()].sort((a, b) => a.at - b.at).map((entry) => entry.attachment);
}
