import type { Principal } from '../chat/principal.ts';
import type { ModerateOptions, Moderation, Verdict } from './moderation.ts';
import { ALLOWED } from './moderation.ts';
import { isHighSurrogate } from './split.ts';

/** Each streamed piece repeats the end of the one before it, so a phrase cut by a piece boundary is seen whole. */
export const PIECE_OVERLAP_CHARS = 32;
/** At most this many characters per streamed check, however far the checks fell behind the stream. */
const MAX_PIECE_CHARS = 2000;

/**
 * Checks an answer while it streams, one piece at a time (every `streamChars` new characters, one check in
 * flight), without holding the deltas back; `finish` checks what is left once the answer is complete. The first
 * refusal is reported through `onRefused` (the run is then withdrawn) and ends the checking.
 */
export class AnswerScreen {
  readonly #moderation: Moderation;
  readonly #who: Principal;
  readonly #options: ModerateOptions;
  readonly #onRefused: (verdict: Verdict) => void;
  #text = '';
  #checked = 0;
  #inFlight: Promise<void> | undefined;
  #refused: Verdict | undefined;

  constructor(
    moderation: Moderation,
    who: Principal,
    options: ModerateOptions & { onRefused: (verdict: Verdict) => void },
  ) {
    this.#moderation = moderation;
    this.#who = who;
    const { onRefused, ...rest } = options;
    this.#options = rest;
    this.#onRefused = onRefused;
  }

  add(delta: string): void {
    this.#text += delta;
    this.#pump();
  }

  /** The verdict on the whole answer: earlier pieces' (waiting for the one in flight), then the rest of `text`. */
  async finish(text: string): Promise<Verdict> {
    while (this.#inFlight) await this.#inFlight;
    if (this.#refused) return this.#refused;
    const checked = this.#checked > 0 && text.startsWith(this.#text.slice(0, this.#checked)) ? this.#checked : 0;
    if (checked >= text.length) return ALLOWED;
    const verdict = await this.#moderate(text.slice(Math.max(0, checked - PIECE_OVERLAP_CHARS)));
    if (!verdict.allowed) this.#refused = verdict;
    return verdict;
  }

  #pump(): void {
    if (this.#inFlight || this.#refused || this.#text.length - this.#checked < this.#moderation.streamChars) return;
    let end = Math.min(this.#text.length, this.#checked + MAX_PIECE_CHARS);
    if (isHighSurrogate(this.#text.charCodeAt(end - 1))) end -= 1;
    const piece = this.#text.slice(Math.max(0, this.#checked - PIECE_OVERLAP_CHARS), end);
    this.#checked = end;
    this.#inFlight = this.#moderate(piece).then(
      (verdict) => {
        this.#inFlight = undefined;
        if (verdict.allowed) return this.#pump();
        this.#refused = verdict;
        this.#onRefused(verdict);
      },
      () => {
        // Only with a signal, once it aborted: nothing more to check.
        this.#inFlight = undefined;
        this.#refused = { allowed: false, reason: 'unavailable' };
      },
    );
  }

  #moderate(text: string): Promise<Verdict> {
    return this.#moderation.moderate(text, this.#who, 'output', this.#options);
  }
}
