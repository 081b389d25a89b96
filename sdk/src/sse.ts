export interface SseEvent {
  /** `message` when the event had no `event:` field. */
  event: string;
  data: string;
  id?: string;
}

/**
 * Incremental parser for `text/event-stream` (WHATWG HTML §9.2.6) fed with arbitrary text slices:
 * CR, LF and CRLF line ends (a CRLF may be split between slices), comments, multi-line data.
 * Unlike the spec, an event with an `event:` field but no `data:` line is still dispatched (`event: complete`).
 */
export class SseParser {
  private buffer = '';
  private started = false;
  private skipLeadingLf = false;
  private eventType = '';
  private dataLines: string[] | undefined;
  private lastEventId: string | undefined;

  push(text: string): SseEvent[] {
    let input = text;
    if (!this.started && input.length > 0) {
      this.started = true;
      if (input.charCodeAt(0) === 0xfeff) input = input.slice(1);
    }
    if (this.skipLeadingLf && input.length > 0) {
      this.skipLeadingLf = false;
      if (input[0] === '\n') input = input.slice(1);
    }
    const scanFrom = this.buffer.length; // the held-back partial line has no line end in it
    this.buffer += input;
    const events: SseEvent[] = [];
    let lineStart = 0;
    for (let i = scanFrom; i < this.buffer.length; i++) {
      const char = this.buffer[i];
      if (char !== '\n' && char !== '\r') continue;
      this.processLine(this.buffer.slice(lineStart, i), events);
      if (char === '\r') {
        if (i + 1 === this.buffer.length) this.skipLeadingLf = true;
        else if (this.buffer[i + 1] === '\n') i++;
      }
      lineStart = i + 1;
    }
    this.buffer = this.buffer.slice(lineStart);
    return events;
  }

  /** End of stream: a final event without its blank line is discarded, as the spec requires. */
  end(): SseEvent[] {
    this.buffer = '';
    this.resetEvent();
    return [];
  }

  private processLine(line: string, events: SseEvent[]): void {
    if (line === '') {
      this.dispatch(events);
      return;
    }
    if (line[0] === ':') return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'data') {
      if (this.dataLines === undefined) this.dataLines = [];
      this.dataLines.push(value);
    } else if (field === 'event') {
      this.eventType = value;
    } else if (field === 'id') {
      if (value.indexOf('\u0000') === -1) this.lastEventId = value;
    }
  }

  private dispatch(events: SseEvent[]): void {
    if (this.dataLines !== undefined || this.eventType !== '') {
      const event: SseEvent = { event: this.eventType || 'message', data: (this.dataLines ?? []).join('\n') };
      if (this.lastEventId !== undefined) event.id = this.lastEventId;
      events.push(event);
    }
    this.resetEvent();
  }

  private resetEvent(): void {
    this.eventType = '';
    this.dataLines = undefined;
  }
}
