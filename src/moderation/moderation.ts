import type { Principal } from '../chat/principal.ts';

/** The user's turn before it goes upstream, or the assistant's answer. */
export type Direction = 'input' | 'output';

export type Verdict =
  | { allowed: true }
  /** `rejected`: the content was judged unacceptable; `unavailable`: it could not be judged and the fail mode is closed. */
  | { allowed: false; reason: 'rejected' | 'unavailable' };

export interface ModerateOptions {
  signal?: AbortSignal;
  /** Where verdicts and provider failures are logged (the request's logger). */
  log?: ModerationLog;
  /** Logged with each verdict. */
  runId?: string;
}

export interface ModerationLog {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

/**
 * A content policy: the chat service asks it about every user turn and every answer, and knows nothing of the
 * provider behind it. Never throws, except the signal's reason when it aborts.
 */
export interface Moderation {
  moderate(text: string, who: Principal, direction: Direction, options?: ModerateOptions): Promise<Verdict>;
  /** A streaming answer is checked each time this many new characters arrived. */
  readonly streamChars: number;
}

export const ALLOWED: Verdict = Object.freeze({ allowed: true });
