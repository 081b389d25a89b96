export interface KnownConversation {
  owner: string;
  sessionKey: string;
}

/**
 * The conversations a turn recently continued: whose they are and their gateway session, so the next turn of the
 * same conversation skips its read (a fifth of the store's CPU per turn). Bounded, least recently used first out.
 * Only correct while this process sees every deletion, so it is used on SQLite (one server owns the file), not on
 * PostgreSQL, where another instance may delete a conversation.
 */
export class KnownConversations {
  readonly #max: number;
  readonly #byId = new Map<string, KnownConversation>();
  /** Bumped by every forget(): a read that started before it may describe a deleted conversation. */
  #generation = 0;

  constructor(max: number) {
    this.#max = max;
  }

  get(id: string): KnownConversation | undefined {
    const known = this.#byId.get(id);
    if (known) {
      this.#byId.delete(id);
      this.#byId.set(id, known);
    }
    return known;
  }

  /** What to pass to remember() for a read starting now. */
  get generation(): number {
    return this.#generation;
  }

  /** Records a conversation read from the database, unless a deletion happened while it was being read. */
  remember(id: string, known: KnownConversation, readAt: number): void {
    if (readAt !== this.#generation) return;
    if (this.#byId.size >= this.#max) this.#byId.delete(this.#byId.keys().next().value as string);
    this.#byId.set(id, known);
  }

  forget(id: string): void {
    this.#generation++;
    this.#byId.delete(id);
  }

  get size(): number {
    return this.#byId.size;
  }
}
