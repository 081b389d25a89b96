import { AppError, toAppError } from '../contract/errors.ts';
import { UpstreamHttpError } from '../gateway/errors.ts';
import type { Completion, GatewayEvent } from '../gateway/events.ts';
import type { GatewayChatRequest } from '../gateway/translate.ts';
import type { Moderation } from '../moderation/moderation.ts';
import { AnswerGuard } from './answer-guard.ts';
import type { Principal } from './principal.ts';
import type { Run } from './run.ts';
import { KeyedSerializer } from './session.ts';

/** What the service needs of the gateway client (a fake in unit tests). */
export interface ChatGateway {
  complete(request: GatewayChatRequest, signal: AbortSignal): Promise<Completion>;
  stream(request: GatewayChatRequest, signal: AbortSignal): AsyncIterable<GatewayEvent>;
}

export interface RunDriverOptions {
  gateway: ChatGateway;
  runTimeoutMs: number;
  moderation?: Moderation;
  onError?: (error: AppError, run: Run) => void;
  /** Emits the final event of a run whose answer was allowed. */
  complete: (run: Run, completion: Completion, conversationId: string | undefined) => Promise<void>;
  /** Hides the stored text of an answer withdrawn after its run ended. */
  hide: (run: Run) => void;
}

const FIRST_TURN_RACE_RETRY_MS = 150;

/** Drives runs upstream: one turn per gateway session at a time, under the run's deadline, its answer moderated. */
export class RunDriver {
  readonly #options: RunDriverOptions;
  readonly #sessions = new KeyedSerializer();

  constructor(options: RunDriverOptions) {
    this.#options = options;
  }

  /** Never rejects: the run ends completed, failed or aborted. */
  async drive(principal: Principal, run: Run, request: GatewayChatRequest, conversationId?: string): Promise<void> {
    const { moderation, onError } = this.#options;
    // One plain timer per run, cleared when it ends (AbortSignal.timeout would pin every run for the full deadline).
    const deadline = setTimeout(() => {
      const error = new AppError('UPSTREAM_TIMEOUT', 'The agent run took longer than the server allows.');
      if (run.abort(error)) onError?.(error, run);
    }, this.#options.runTimeoutMs);
    const guard = moderation && new AnswerGuard(moderation, principal, run, this.#options.hide);
    try {
      const turn = () => this.#turnWithRaceRetry(run, request, guard);
      const completion = request.sessionKey
        ? await this.#sessions.run(request.sessionKey, turn, run.signal)
        : await turn();
      if (!guard || (await guard.passes(completion.text))) {
        await this.#options.complete(run, completion, conversationId);
      }
    } catch (error) {
      if (guard) void guard.ended();
      if (run.aborted) {
        // A cancel, the deadline or shutdown are accounted for where they happen; an answer over the run's event-log
        // cap (Run.emit aborts with UPSTREAM_FAILED) is an upstream fault the operator should see.
        const reason: unknown = run.signal.reason;
        if (reason instanceof AppError && reason.code === 'UPSTREAM_FAILED') onError?.(reason, run);
        return;
      }
      const mapped = toAppError(error);
      onError?.(mapped, run);
      run.fail(mapped);
    } finally {
      clearTimeout(deadline);
    }
  }

  /** The gateway loses a race between two first turns of a new session with a 500: retry that once. */
  async #turnWithRaceRetry(run: Run, request: GatewayChatRequest, guard?: AnswerGuard): Promise<Completion> {
    try {
      return await this.#turn(run, request, guard);
    } catch (error) {
      const race = request.sessionKey && error instanceof UpstreamHttpError && error.upstreamStatus === 500;
      if (!race || run.lastEventId !== '1') throw error;
      await new Promise((resolve) => setTimeout(resolve, FIRST_TURN_RACE_RETRY_MS));
      return this.#turn(run, request, guard);
    }
  }

  /** One upstream attempt; aborts with the run (cancel, deadline, shutdown). */
  async #turn(run: Run, request: GatewayChatRequest, guard?: AnswerGuard): Promise<Completion> {
    const signal = run.signal;
    signal.throwIfAborted();
    if (!request.stream) return this.#options.gateway.complete(request, signal);
    for await (const event of this.#options.gateway.stream(request, signal)) {
      if (event.type === 'delta') {
        run.emit({ type: 'delta', text: event.text });
        guard?.add(event.text);
      } else if (event.type === 'tool') run.emit(event);
      else if (event.type === 'completed') return event;
      else throw event.error;
    }
    throw new AppError('UPSTREAM_FAILED', 'The gateway closed the stream before the answer was complete.');
  }
}
