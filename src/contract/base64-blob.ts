/**
 * A large base64 payload kept as the request body's own bytes: a 10 MB image would otherwise exist as
 * raw chunks, a concatenated buffer, a decoded string and a parsed string at once. Only pure base64
 * text (A–Z a–z 0–9 + / =) is ever held this way, so bytes and characters are the same.
 */
export class Base64Blob {
  readonly chunks: readonly Buffer[];
  readonly length: number;
  /** Offset of the first `=`, or -1. */
  readonly firstPad: number;

  constructor(chunks: readonly Buffer[], firstPad: number) {
    this.chunks = chunks;
    this.length = chunks.reduce((n, c) => n + c.length, 0);
    this.firstPad = firstPad;
  }

  /** The first `count` characters. */
  head(count: number): string {
    const out: string[] = [];
    let left = Math.min(count, this.length);
    for (const chunk of this.chunks) {
      if (left <= 0) break;
      const piece = chunk.subarray(0, left);
      out.push(piece.toString('latin1'));
      left -= piece.length;
    }
    return out.join('');
  }

  /** The last `count` characters. */
  tail(count: number): string {
    const out: string[] = [];
    let left = Math.min(count, this.length);
    for (let i = this.chunks.length - 1; i >= 0 && left > 0; i--) {
      const chunk = this.chunks[i]!;
      const piece = chunk.subarray(Math.max(0, chunk.length - left));
      out.unshift(piece.toString('latin1'));
      left -= piece.length;
    }
    return out.join('');
  }

  /** Materializes the text (tests and diagnostics; the request path never needs it). */
  toString(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }

  toJSON(): string {
    return this.toString();
  }
}

/** A base64 payload as it reaches the chat service: a string, or the request's bytes for large REST bodies. */
export type Base64Data = string | Base64Blob;

export const base64Length = (data: Base64Data): number => data.length;
export const base64Head = (data: Base64Data, count: number): string =>
  typeof data === 'string' ? data.slice(0, count) : data.head(count);
export const base64Tail = (data: Base64Data, count: number): string =>
  typeof data === 'string' ? data.slice(-count) : data.tail(count);
