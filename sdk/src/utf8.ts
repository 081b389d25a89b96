const REPLACEMENT = 0xfffd;
const FLUSH_EVERY = 4096;

/**
 * Streaming UTF-8 decoder following the WHATWG algorithm (same output as `TextDecoder` with `ignoreBOM: true`):
 * mini-program runtimes have no `TextDecoder`, and chunk boundaries fall inside multi-byte characters.
 */
export class Utf8Decoder {
  private codePoint = 0;
  private bytesSeen = 0;
  private bytesNeeded = 0;
  private lowerBoundary = 0x80;
  private upperBoundary = 0xbf;

  /** Decodes `bytes`, holding back an incomplete trailing character until the next call. */
  decode(bytes: Uint8Array): string {
    const out = new StringBuilder();
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (this.bytesNeeded === 0) {
        this.startSequence(byte, out);
        continue;
      }
      if (byte < this.lowerBoundary || byte > this.upperBoundary) {
        this.reset();
        out.push(REPLACEMENT);
        i--; // the offending byte may start a new sequence
        continue;
      }
      this.lowerBoundary = 0x80;
      this.upperBoundary = 0xbf;
      this.codePoint = (this.codePoint << 6) | (byte & 0x3f);
      this.bytesSeen++;
      if (this.bytesSeen === this.bytesNeeded) {
        out.push(this.codePoint);
        this.reset();
      }
    }
    return out.finish();
  }

  /** Ends the stream: an incomplete trailing character becomes U+FFFD. */
  end(): string {
    if (this.bytesNeeded === 0) return '';
    this.reset();
    return String.fromCharCode(REPLACEMENT);
  }

  private startSequence(byte: number, out: StringBuilder): void {
    if (byte <= 0x7f) {
      out.push(byte);
    } else if (byte >= 0xc2 && byte <= 0xdf) {
      this.bytesNeeded = 1;
      this.codePoint = byte & 0x1f;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      if (byte === 0xe0) this.lowerBoundary = 0xa0;
      if (byte === 0xed) this.upperBoundary = 0x9f;
      this.bytesNeeded = 2;
      this.codePoint = byte & 0x0f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      if (byte === 0xf0) this.lowerBoundary = 0x90;
      if (byte === 0xf4) this.upperBoundary = 0x8f;
      this.bytesNeeded = 3;
      this.codePoint = byte & 0x07;
    } else {
      out.push(REPLACEMENT);
    }
  }

  private reset(): void {
    this.codePoint = 0;
    this.bytesSeen = 0;
    this.bytesNeeded = 0;
    this.lowerBoundary = 0x80;
    this.upperBoundary = 0xbf;
  }
}

/** Decodes a complete byte sequence. */
export function decodeUtf8(bytes: Uint8Array): string {
  const decoder = new Utf8Decoder();
  return decoder.decode(bytes) + decoder.end();
}

/** Encodes a string as UTF-8; lone surrogates become U+FFFD like `TextEncoder`. */
export function encodeUtf8(text: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
      }
    }
    if (code >= 0xd800 && code <= 0xdfff) code = REPLACEMENT;
    if (code < 0x80) {
      bytes.push(code);
    } else if (code < 0x800) {
      bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    } else {
      bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    }
  }
  return new Uint8Array(bytes);
}

/** Collects UTF-16 code units and joins them in slices, avoiding argument-count limits of `fromCharCode`. */
class StringBuilder {
  private units: number[] = [];
  private text = '';

  push(codePoint: number): void {
    if (codePoint > 0xffff) {
      const offset = codePoint - 0x10000;
      this.units.push(0xd800 + (offset >> 10), 0xdc00 + (offset & 0x3ff));
    } else {
      this.units.push(codePoint);
    }
    if (this.units.length >= FLUSH_EVERY) this.flush();
  }

  finish(): string {
    this.flush();
    return this.text;
  }

  private flush(): void {
    if (this.units.length === 0) return;
    this.text += String.fromCharCode.apply(null, this.units);
    this.units = [];
  }
}
