import { AppError } from '../contract/errors.ts';

/** One server-sent event. `event` is undefined when the block had no `event:` line. */
export interface SseMessage {
  event: string | undefined;
  data: string;
}

export interface SseParserOptions {
  /** Largest event (its `event`/`data` lines plus any unfinished line), in UTF-8 bytes. */
  maxEventBytes?: number;
  /** Tests: receives the characters scanned and copied, to bound the work by the input's length. */
  counter?: { steps: number };
}

const LF = 10;
const MiB = 1024 * 1024;

/**
 * Incremental SSE parser (WHATWG rules for the fields we use): feed it text in any pieces and it
 * returns the events completed so far. Comment lines, `id:` and `retry:` are ignored; CR, LF and
 * CRLF all end a line, including a CR at the end of one piece and its LF at the start of the next.
 * Each character is looked at once: an unfinished line is kept as pieces and joined when it ends, and
 * an event growing past `maxEventBytes` throws `UPSTREAM_FAILED` before more of it is kept.
 */
export class SseParser {
  readonly #maxEventBytes: number;
  readonly #counter: { steps: number };
  #pending: string[] = [];
  #pendingBytes = 0;
  #eventBytes = 0;
  #event: string | undefined;
  #data: string[] = [];
  #pendingCr = false;

  constructor(options: SseParserOptions = {}) {
    this.#maxEventBytes = options.maxEventBytes ?? Number.POSITIVE_INFINITY;
    this.#counter = options.counter ?? { steps: 0 };
  }

  push(text: string): SseMessage[] {
    const out: SseMessage[] = [];
    if (text.length === 0) return out;
    let start = 0;
    if (this.#pendingCr) {
      this.#pendingCr = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    // Next LF and CR at or after `start`, each found once per piece (-1: none left).
    let lf = -2;
    let cr = -2;
    for (;;) {
      if (lf !== -1 && lf < start) lf = this.#find(text, '\n', start);
      if (cr !== -1 && cr < start) cr = this.#find(text, '\r', start);
      const end = cr !== -1 && (lf === -1 || cr < lf) ? cr : lf;
      if (end === -1) break;
      this.#take(text.slice(start, end));
      this.#counter.steps += this.#pendingBytes;
      this.#line(this.#pending.join(''), this.#pendingBytes, out);
      this.#pending = [];
      this.#pendingBytes = 0;
      if (end === cr) {
        if (end + 1 === text.length) this.#pendingCr = true;
        start = text.charCodeAt(end + 1) === LF ? end + 2 : end + 1;
      } else {
        start = end + 1;
      }
    }
    if (start < text.length) this.#take(text.slice(start));
    return out;
  }

  /** Call at end of input: a final event without its blank line is dispatched, as browsers do not, but a cut stream should still yield what it fully sent. */
  end(): SseMessage[] {
    const out: SseMessage[] = [];
    if (this.#pendingBytes > 0) this.#line(this.#pending.join(''), this.#pendingBytes, out);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#line('', 0, out);
    return out;
  }

  #find(text: string, needle: string, from: number): number {
    const at = text.indexOf(needle, from);
    this.#counter.steps += (at === -1 ? text.length : at) - from + 1;
    return at;
  }

  /** Adds a piece to the unfinished line, checking the cap first. */
  #take(piece: string): void {
    if (piece.length === 0) return;
    const bytes = Buffer.byteLength(piece);
    if (this.#eventBytes + this.#pendingBytes + bytes > this.#maxEventBytes) {
      throw new AppError(
        'UPSTREAM_FAILED',
        `The gateway sent a stream event larger than the server accepts (${(this.#maxEventBytes / MiB).toFixed(1)} MiB).`,
      );
    }
    this.#pending.push(piece);
    this.#pendingBytes += bytes;
  }

  #line(line: string, bytes: number, out: SseMessage[]): void {
    if (line.length === 0) {
      if (this.#data.length > 0) {
        out.push({ event: this.#event, data: this.#data.join('\n') });
      }
      this.#event = undefined;
      this.#data = [];
      this.#eventBytes = 0;
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else return;
    this.#eventBytes += bytes;
  }
}
