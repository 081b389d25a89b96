import type { ChatEvent } from '../contract/chat.ts';
import type { Run } from './run.ts';
import type { RunRegistry } from './run-registry.ts';

export type Follow = (after: string | undefined, signal: AbortSignal | undefined) => AsyncGenerator<ChatEvent>;

/**
 * Where subscribers find a run's events: this process's memory (one instance) or a log every instance shares (Redis
 * Streams). The instance that holds a run appends its events; any instance reads and cancels it.
 */
export interface RunEventLog {
  /** Called by the holder for each event of its run, in order, as it happens (fire and forget). */
  append(run: Run, event: ChatEvent): void;
  /** Resolves once other instances can find the run (before its id is handed out). */
  started(run: Run): Promise<void>;
  /**
   * The principal's run, as a way to follow it: the events after `after` (all when omitted), then live ones until
   * the final one (the first iteration throws INVALID_INPUT for an id never issued; `signal` detaches). Undefined
   * when the log does not know the run or it is not the principal's.
   */
  find(principalId: string, runId: string): Promise<Follow | undefined>;
  /** Stops the run wherever it is held: true when it was running, false when it had ended, undefined when unknown. */
  cancel(principalId: string, runId: string): Promise<boolean | undefined>;
  close(): Promise<void>;
}

/** One instance: the registry's runs are the log (each Run keeps its own events). */
export class MemoryRunLog implements RunEventLog {
  readonly #runs: RunRegistry;

  constructor(runs: RunRegistry) {
    this.#runs = runs;
  }

  append(): void {}

  async started(): Promise<void> {}

  #own(principalId: string, runId: string): Run | undefined {
    const run = this.#runs.find(runId);
    return run?.principalId === principalId ? run : undefined;
  }

  async find(principalId: string, runId: string): Promise<Follow | undefined> {
    const run = this.#own(principalId, runId);
    return run && ((after, signal) => run.subscribe(after, signal));
  }

  async cancel(principalId: string, runId: string): Promise<boolean | undefined> {
    return this.#own(principalId, runId)?.cancel();
  }

  async close(): Promise<void> {}
}
