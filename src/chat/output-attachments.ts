import type { OutputAttachment } from '../contract/chat.ts';

/**
 * AI-generated media arrive as Markdown images/links or bare URLs in the answer text. The text comes from the
 * gateway, so it is scanned in one pass: every character is inspected a bounded number of times whatever the
 * text (the regexes this replaces were quadratic on "[[[[…" or "https://x.png....").
 */

export const IMAGE_EXT = /\.(png|jpe?g|gif|webp|bmp|svg|heic|heif)$/i;
export const FILE_EXT = /\.(pdf|docx?|xlsx?|pptx?|csv|txt|md|json|zip|rar|7z|tar|gz|mp3|wav|mp4|mov)$/i;
const BARE_URL_STOPS = new Set([...'<>()"\'`][，。；：！？、）】」》'].map((c) => c.charCodeAt(0)));
const TRAILING_PUNCTUATION = new Set([...'.,;:!?，。；：！？'].map((c) => c.charCodeAt(0)));
const [LF, QUOTE, LPAREN, RPAREN, LT, GT, RBRACKET, BANG] = [...'\n"()<>]!'].map((c) => c.charCodeAt(0));

/** Counts characters inspected, so tests bound the work by the input's length instead of by a clock. */
export interface ScanCounter {
  steps: number;
}

/** Exactly the characters of JavaScript's `\s`. */
export function isSpace(code: number): boolean {
  return (
    (code >= 9 && code <= 13) ||
    code === 32 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

export function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

export function fileName(url: string): string | undefined {
  const path = pathOf(url);
  const name = path.slice(path.lastIndexOf('/') + 1);
  try {
    return name ? decodeURIComponent(name) : undefined;
  } catch {
    return name || undefined;
  }
}

interface Link {
  start: number;
  end: number;
  url: string;
  label?: string;
}

class Scanner {
  readonly #text: string;
  readonly #counter: ScanCounter;
  // Cached answers of forward searches: queries only move forward, so each range is scanned once.
  #labelFrom = -1;
  #labelStop = -1;
  #urlFrom = -1;
  #urlStop = -1;
  #tailAt = -1;
  #tailEnd = -1;

  constructor(text: string, counter: ScanCounter) {
    this.#text = text;
    this.#counter = counter;
  }

  #code(at: number): number {
    this.#counter.steps++;
    return this.#text.charCodeAt(at);
  }

  #indexOf(needle: string, from: number): number {
    const at = this.#text.indexOf(needle, from);
    this.#counter.steps += (at === -1 ? this.#text.length : at) - from + 1;
    return at;
  }

  #skipSpaces(from: number): number {
    let at = from;
    while (at < this.#text.length && isSpace(this.#code(at))) at++;
    return at;
  }

  /** End of `https?://` at `at`, or -1. */
  #scheme(at: number): number {
    const text = this.#text;
    this.#counter.steps += 8;
    if (!text.startsWith('http', at)) return -1;
    const colon = text[at + 4] === 's' ? at + 5 : at + 4;
    return text.startsWith('://', colon) ? colon + 3 : -1;
  }

  /** First `]` or newline at or after `from` (a Markdown label cannot hold either). */
  #labelEnd(from: number): number {
    if (from >= this.#labelFrom && from <= this.#labelStop) return this.#labelStop;
    let at = from;
    for (; at < this.#text.length; at++) {
      const code = this.#code(at);
      if (code === RBRACKET || code === LF) break;
    }
    this.#labelFrom = from;
    this.#labelStop = at;
    return at;
  }

  /** End of a Markdown link target URL: whitespace, `)` or `>`. */
  #urlEnd(from: number): number {
    if (from >= this.#urlFrom && from <= this.#urlStop) return this.#urlStop;
    let at = from;
    for (; at < this.#text.length; at++) {
      const code = this.#code(at);
      if (code === RPAREN || code === GT || isSpace(code)) break;
    }
    this.#urlFrom = from;
    this.#urlStop = at;
    return at;
  }

  /** After `](`: `\s*<?URL>?( "title")?\s*)`. Returns the URL and the index after `)`. */
  #linkTarget(from: number): { url: string; end: number } | null {
    let at = this.#skipSpaces(from);
    if (this.#code(at) === LT) at++;
    const body = this.#scheme(at);
    if (body === -1) return null;
    const urlEnd = this.#urlEnd(body);
    if (urlEnd === body) return null;
    if (urlEnd !== this.#tailAt) {
      this.#tailAt = urlEnd;
      this.#tailEnd = this.#afterUrl(urlEnd);
    }
    return this.#tailEnd === -1 ? null : { url: this.#text.slice(at, urlEnd), end: this.#tailEnd };
  }

  /** `>?( "title")?\s*)` after a URL: the index after `)`, or -1. The URL cannot give characters back. */
  #afterUrl(urlEnd: number): number {
    const after = this.#code(urlEnd) === GT ? urlEnd + 1 : urlEnd;
    const spaced = this.#skipSpaces(after);
    if (spaced > after && this.#code(spaced) === QUOTE) {
      const close = this.#indexOf('"', spaced + 1);
      if (close !== -1) {
        const paren = this.#skipSpaces(close + 1);
        if (this.#code(paren) === RPAREN) return paren + 1;
      }
    }
    return this.#code(spaced) === RPAREN ? spaced + 1 : -1;
  }

  /** `[label](url)` and `![alt](url)`, leftmost first, not overlapping. */
  markdownLinks(): Array<Link & { image: boolean }> {
    const links: Array<Link & { image: boolean }> = [];
    let from = 0;
    let lastEnd = 0;
    for (;;) {
      const open = this.#indexOf('[', from);
      if (open === -1) return links;
      const close = this.#labelEnd(open + 1);
      const target =
        this.#code(close) === RBRACKET && this.#code(close + 1) === LPAREN ? this.#linkTarget(close + 2) : null;
      if (!target) {
        from = open + 1;
        continue;
      }
      const image = open > lastEnd && this.#code(open - 1) === BANG;
      const label = this.#text.slice(open + 1, close);
      links.push({ start: image ? open - 1 : open, end: target.end, url: target.url, label, image });
      this.#counter.steps += label.length;
      from = lastEnd = target.end;
    }
  }

  /** `https?://` followed by characters that may not end a URL in prose, minus trailing punctuation. */
  bareUrls(): Link[] {
    const urls: Link[] = [];
    const text = this.#text;
    let from = 0;
    for (;;) {
      const start = this.#indexOf('http', from);
      if (start === -1) return urls;
      const body = this.#scheme(start);
      let end = body;
      if (body !== -1) {
        for (; end < text.length; end++) {
          const code = this.#code(end);
          if (isSpace(code) || BARE_URL_STOPS.has(code)) break;
        }
      }
      if (body === -1 || end === body) {
        from = start + 1;
        continue;
      }
      let trimmed = end;
      while (TRAILING_PUNCTUATION.has(this.#code(trimmed - 1))) trimmed--;
      urls.push({ start, end, url: text.slice(start, trimmed) });
      from = end;
    }
  }
}

/**
 * Markdown images are images whatever their extension; links and bare URLs count when their path names a
 * media or document file. First occurrence wins, in text order. `counter` (tests) receives the steps taken.
 */
export function extractOutputAttachments(text: string, counter: ScanCounter = { steps: 0 }): OutputAttachment[] {
  if (!text.includes('http')) return [];
  const scanner = new Scanner(text, counter);
  const found = new Map<string, { at: number; attachment: OutputAttachment }>();
  const add = (at: number, attachment: OutputAttachment) => {
    const seen = found.get(attachment.url);
    if (!seen || seen.at > at) found.set(attachment.url, { at, attachment });
  };
  const classify = (url: string) => {
    const path = pathOf(url);
    counter.steps += url.length;
    return IMAGE_EXT.test(path) ? 'image' : FILE_EXT.test(path) ? 'file' : undefined;
  };
  const links = scanner.markdownLinks();
  for (const { start, url, label, image } of links) {
    const kind = image ? 'image' : classify(url);
    if (kind === 'image') add(start, { type: 'image', url, ...(label ? { name: label } : {}) });
    else if (kind === 'file') add(start, { type: 'file', url, name: label || fileName(url) || url });
  }
  let covering = 0;
  for (const { start, url } of scanner.bareUrls()) {
    while (covering < links.length && links[covering]!.end <= start) covering++;
    if (covering < links.length && links[covering]!.start <= start) continue;
    const kind = classify(url);
    if (kind === 'image') add(start, { type: 'image', url });
    else if (kind === 'file') add(start, { type: 'file', url, name: fileName(url) ?? url });
  }
  return [...found.values()].sort((a, b) => a.at - b.at).map((entry) => entry.attachment);
}
