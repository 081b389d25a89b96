import type { SendChatInput } from '../contract/chat.ts';
import type { GatewayChatRequest } from '../gateway/translate.ts';
import { estimateTokens } from '../limits/token-estimate.ts';
import type { Moderation } from '../moderation/moderation.ts';
import { rejectedInput, uncheckedInput, userTurn } from '../moderation/refusals.ts';
import { ADMIT_ALL, type Admission, type Ticket } from './admission.ts';
import type { ConversationJournal, OpenConversation } from './conversation-journal.ts';
import type { Principal } from './principal.ts';
import type { Run } from './run.ts';
import type { RunLog } from './service-options.ts';

export interface TurnGateOptions {
  admission?: Admission;
  moderation?: Moderation;
  /** Where a refused turn is stored (as rejected). */
  journal?: ConversationJournal;
}

/** What a user's turn passes before it starts: admission (policy, rate, quota), then moderation of its text. */
export class TurnGate {
  readonly #options: TurnGateOptions;

  constructor(options: TurnGateOptions) {
    this.#options = options;
  }

  /** Whether the principal may start a turn now: throws the refusal. */
  admit(principal: Principal): Promise<Ticket> {
    return (this.#options.admission ?? ADMIT_ALL).admit(principal);
  }

  /**
   * A refused turn throws CONTENT_REJECTED once stored as rejected; one that could not be checked, failing closed,
   * throws UPSTREAM_UNAVAILABLE. Without moderation every turn passes.
   */
  async screen(
    principal: Principal,
    input: SendChatInput,
    options: { log?: RunLog; conversation?: OpenConversation },
  ): Promise<void> {
    const { moderation, journal } = this.#options;
    if (!moderation) return;
    const verdict = await moderation.moderate(userTurn(input.messages), principal, 'input', { log: options.log });
    if (verdict.allowed) return;
    if (verdict.reason === 'unavailable') throw uncheckedInput();
    await journal?.reject(principal, input, options.conversation);
    throw rejectedInput();
  }
}

/** A turn's tokens once it ends: the gateway's usage, else the documented estimate (of what was produced so far). */
export function settleUsage(run: Run, request: GatewayChatRequest, settle: (tokens: number) => void): void {
  run.result.then(
    (result) => settle(result.usage?.totalTokens ?? estimateTokens(request, result.message.content)),
    () => settle(estimateTokens(request, run.partialText)),
  );
}

/** A step of starting a turn; if it throws, the turn never starts and its rate point is given back. */
export async function refundOnThrow<T>(ticket: Ticket, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    await ticket.refund?.();
    throw error;
  }
}
