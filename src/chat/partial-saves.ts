/** A running answer whose text is saved periodically. */
export interface Saving {
  messageId: string;
  /** The answer's text so far (joined on demand: read once per interval, never per delta). */
  text(): string;
}

export interface PartialSavesOptions {
  intervalMs: number;
  /** Saves the texts that changed since the previous tick, all in one write. */
  save: (changed: Array<{ messageId: string; text: string }>) => void;
}

/**
 * One timer for every running answer's partial save (a timer per run cost each turn a setInterval and a
 * clearInterval, and a write per run per tick). It runs only while some answer is running, and never keeps the
 * process alive.
 */
export class PartialSaves {
  readonly #options: PartialSavesOptions;
  readonly #running = new Map<Saving, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: PartialSavesOptions) {
    this.#options = options;
  }

  add(saving: Saving): void {
    this.#running.set(saving, 0);
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), this.#options.intervalMs);
    this.#timer.unref();
  }

  delete(saving: Saving): void {
    this.#running.delete(saving);
    if (this.#running.size > 0 || !this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  get size(): number {
    return this.#running.size;
  }

  #tick(): void {
    const changed: Array<{ messageId: string; text: string }> = [];
    for (const [saving, savedLength] of this.#running) {
      const text = saving.text();
      if (text.length === savedLength) continue;
      this.#running.set(saving, text.length);
      changed.push({ messageId: saving.messageId, text });
    }
    if (changed.length > 0) this.#options.save(changed);
  }
}
