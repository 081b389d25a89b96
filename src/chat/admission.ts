import type { Principal } from './principal.ts';

/** A turn let in: its concurrency cap, and where its token count goes once it ends. */
export interface Ticket {
  /** Runs in flight allowed for this principal (absent: the registry's per-key ceiling). */
  maxActiveRuns?: number;
  /**
   * Takes the run's slots among runs in flight shared by every instance (REDIS_URL), right before it starts;
   * refuses with RATE_LIMITED. refund() gives them back if the run then never starts.
   */
  reserve?(user: string | undefined): Promise<void>;
  /** Once the run ended, whatever its outcome: the tokens it used (the gateway's usage, else an estimate). */
  settle?(tokens: number): void;
  /**
   * The turn never started (invalid input, too many runs in flight): give back what admission counted. Awaited
   * before the refusal is answered, so the caller's next turn already sees the point returned.
   */
  refund?(): Promise<void> | void;
}

/** Who may start a turn now: access policy, rate and quota. Refusals are AppErrors. */
export interface Admission {
  admit(principal: Principal): Promise<Ticket>;
}

/** No policy, no limits: what unit tests and a bare service run with. */
export const ADMIT_ALL: Admission = { admit: async () => ({}) };
