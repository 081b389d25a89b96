import type { Admission, Ticket } from '../chat/admission.ts';
import type { Principal } from '../chat/principal.ts';
import { type RunCeilings, type RunLimiterName, runLimits } from '../chat/run-limits.ts';
import type { RunSlots } from './run-slots.ts';

export interface SharedConcurrencyOptions {
  slots: RunSlots;
  ceilings: RunCeilings;
  onRejected?: (limiter: RunLimiterName) => void;
  /** Redis unreachable: the turn goes on, counted by this instance's registry only. */
  onError?: (error: unknown) => void;
}

/**
 * REDIS_URL: runs in flight per principal and per end user counted across every instance. The inner admission
 * (policy, rate, quota) decides first; the ticket then takes its run's slots right before the run starts
 * (reserve) and gives them back when the run ends (settle) or never starts (refund). The instance's registry
 * still counts its own runs, which is what remains when Redis cannot be reached.
 */
export class SharedConcurrency implements Admission {
  readonly #inner: Admission;
  readonly #o: SharedConcurrencyOptions;

  constructor(inner: Admission, options: SharedConcurrencyOptions) {
    this.#inner = inner;
    this.#o = options;
  }

  async admit(principal: Principal): Promise<Ticket> {
    const ticket = await this.#inner.admit(principal);
    const { slots, ceilings, onRejected, onError } = this.#o;
    let token: string | undefined;
    const release = () => {
      if (token !== undefined) slots.release(token);
      token = undefined;
    };
    return {
      ...ticket,
      async reserve(user) {
        const limits = runLimits({ principalId: principal.id, user, maxActiveRuns: ticket.maxActiveRuns }, ceilings);
        let acquired: Awaited<ReturnType<RunSlots['acquire']>>;
        try {
          acquired = await slots.acquire(limits);
        } catch (error) {
          onError?.(error);
          return;
        }
        if ('token' in acquired) {
          token = acquired.token;
          return;
        }
        const limit = limits[acquired.refused];
        if (!limit) throw new Error(`no run limit at index ${acquired.refused}`);
        onRejected?.(limit.limiter);
        throw limit.refusal();
      },
      settle(tokens) {
        release();
        ticket.settle?.(tokens);
      },
      refund() {
        release();
        return ticket.refund?.();
      },
    };
  }
}
