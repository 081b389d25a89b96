import type { ChatEvent } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import type { Conversations } from './conversations.ts';
import { Handoff } from './handoff.ts';
import type { Principal } from './principal.ts';
import type { Run } from './run.ts';
import type { Follow, RunEventLog } from './run-log.ts';
import type { RunRegistry } from './run-registry.ts';

export interface RunStreamsOptions {
  runs: RunRegistry;
  /** Several instances: the log every instance shares (Redis), where runs held elsewhere are read and cancelled. */
  shared?: RunEventLog;
  /** Finished runs replayed from the store. */
  conversations?: Conversations;
  aiLabel: string | null;
}

const unknownRun = () =>
  new AppError('NOT_FOUND', 'No such run: it never existed, belongs to another key, or has expired.');

/**
 * A principal's runs wherever they are: held here, held by another instance (the shared log), or finished and
 * forgotten (the store). With a shared log, streams are resumable and detached on drain so their clients resume
 * on another instance.
 */
export class RunStreams {
  readonly #options: RunStreamsOptions;
  readonly #handoff: Handoff | undefined;

  constructor(options: RunStreamsOptions) {
    this.#options = options;
    this.#handoff = options.shared && new Handoff();
  }

  drain(): void {
    this.#handoff?.drain();
  }

  #detachable(
    signal: AbortSignal | undefined,
    open: (signal: AbortSignal | undefined) => AsyncGenerator<ChatEvent>,
  ): AsyncGenerator<ChatEvent> {
    return this.#handoff ? this.#handoff.wrap(signal, open) : open(signal);
  }

  follow(run: Run, signal?: AbortSignal): AsyncGenerator<ChatEvent> {
    return this.#detachable(signal, (s) => run.subscribe(undefined, s));
  }

  async replayable(
    principal: Principal,
    runId: string,
    after?: string,
    signal?: AbortSignal,
  ): Promise<AsyncGenerator<ChatEvent>> {
    const local = this.#options.runs.find(runId);
    const follow: Follow | undefined =
      local?.principalId === principal.id
        ? (from, s) => local.subscribe(from, s)
        : await this.#options.shared?.find(principal.id, runId);
    if (follow) return this.#detachable(signal, (s) => follow(after, s));
    const replay = await this.#options.conversations?.replay(principal, runId, after, this.#options.aiLabel);
    if (!replay) throw unknownRun();
    return replay;
  }

  async cancel(principal: Principal, runId: string): Promise<boolean> {
    const local = this.#options.runs.find(runId);
    if (local?.principalId === principal.id) return local.cancel();
    const cancelled = await this.#options.shared?.cancel(principal.id, runId);
    if (cancelled === undefined) throw unknownRun();
    return cancelled;
  }
}
