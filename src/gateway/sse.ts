/** One server-sent event. `event` is undefined when the block had no `event:` line. */
export interface SseMessage {
  event: string | undefined;
  data: string;
}

/**
 * Incremental SSE parser (WHATWG rules for the fields we use): feed it text in any pieces and it
 * returns the events completed so far. Comment lines, `id:` and `retry:` are ignored; CR, LF and
 * CRLF all end a line, including a CR at the end of one piece and its LF at the start of the next.
 */
export class SseParser {
  #buffer = '';
  #event: string | undefined;
  #data: string[] = [];
  #pendingCr = false;

  push(text: string): SseMessage[] {
    const out: SseMessage[] = [];
    if (text.length === 0) return out;
    let chunk = text;
    if (this.#pendingCr) {
      this.#pendingCr = false;
      if (chunk.startsWith('\n')) chunk = chunk.slice(1);
    }
    let buffer = this.#buffer + chunk;
    let start = 0;
    for (;;) {
      const lf = buffer.indexOf('\n', start);
      const cr = buffer.indexOf('\r', start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 === buffer.length) {
          this.#pendingCr = true;
          next = cr + 1;
        } else {
          next = buffer[cr + 1] === '\n' ? cr + 2 : cr + 1;
        }
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else {
        break;
      }
      this.#line(buffer.slice(start, end), out);
      start = next;
    }
    buffer = start === 0 ? buffer : buffer.slice(start);
    this.#buffer = buffer;
    return out;
  }

  /** Call at end of input: a final event without its blank line is dispatched, as browsers do not, but a cut stream should still yield what it fully sent. */
  end(): SseMessage[] {
    const out: SseMessage[] = [];
    if (this.#buffer.length > 0) this.#line(this.#buffer, out);
    this.#buffer = '';
    this.#line('', out);
    return out;
  }

  #line(line: string, out: SseMessage[]): void {
    if (line.length === 0) {
      if (this.#data.length > 0) {
        out.push({ event: this.#event, data: this.#data.join('\n') });
      }
      this.#event = undefined;
      this.#data = [];
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
  }
}
