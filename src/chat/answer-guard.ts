import { AnswerScreen } from '../moderation/answer-screen.ts';
import type { Moderation, Verdict } from '../moderation/moderation.ts';
import { withdrawn } from '../moderation/refusals.ts';
import type { Principal } from './principal.ts';
import type { Run } from './run.ts';

/**
 * Moderation of one run's answer, while it streams and once it ends. A refusal (or a check that could not be made,
 * failing closed) withdraws the answer: what was streamed is taken back; a run that already ended (cancelled,
 * failed) keeps its failure, and `hide` hides its stored text.
 */
export class AnswerGuard {
  readonly #run: Run;
  readonly #screen: AnswerScreen;
  readonly #hide: (run: Run) => void;

  constructor(moderation: Moderation, principal: Principal, run: Run, hide: (run: Run) => void) {
    this.#run = run;
    this.#hide = hide;
    // Not aborted with the run: a check in flight when it is cancelled or fails still decides about its text.
    this.#screen = new AnswerScreen(moderation, principal, {
      log: run.log,
      runId: run.id,
      onRefused: (verdict) => this.#withdraw(verdict),
    });
  }

  add(delta: string): void {
    this.#screen.add(delta);
  }

  /** The complete answer: true when it may be delivered, else it was withdrawn. */
  async passes(text: string): Promise<boolean> {
    const verdict = await this.#screen.finish(text);
    if (verdict.allowed) return true;
    this.#withdraw(verdict);
    return false;
  }

  /** A run that ended without completing: the text it streamed is still checked (the store keeps it). */
  async ended(): Promise<void> {
    const run = this.#run;
    if (run.retracted) return;
    const text = run.partialText;
    if (text === '') return;
    const verdict = await this.#screen.finish(text);
    if (!verdict.allowed && !run.retracted) this.#withdraw(verdict);
  }

  #withdraw(verdict: Verdict): void {
    this.#run.retract();
    if (!this.#run.abort(withdrawn(verdict))) this.#hide(this.#run);
  }
}
