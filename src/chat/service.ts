import type { ChatEvent, ChatResult, SendChatInput } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import type { GatewayChatRequest } from '../gateway/translate.ts';
import type { Ticket } from './admission.ts';
import type { OpenConversation } from './conversation-journal.ts';
import type { Conversations } from './conversations.ts';
import type { Principal } from './principal.ts';
import type { Run } from './run.ts';
import { createRunCompletion } from './run-completion.ts';
import { RunDriver } from './run-driver.ts';
import { createRunLauncher } from './run-launcher.ts';
import { RunStreams } from './run-streams.ts';
import type { ChatServiceOptions, SendOptions, StartOptions } from './service-options.ts';
import { refundOnThrow, TurnGate } from './turn-gate.ts';
import { prepareTurn } from './turn-request.ts';

export type { ChatGateway } from './run-driver.ts';
export type { ChatServiceOptions, RunLog, SendOptions, StartOptions } from './service-options.ts';

const storeless = () => new AppError('NOT_FOUND', 'This server keeps no conversations (DATABASE_URL=none).');

/** The one chat implementation behind REST, GraphQL and tRPC. */
export class ChatService {
  readonly #options: ChatServiceOptions;
  readonly #gate: TurnGate;
  readonly #launch: ReturnType<typeof createRunLauncher>;
  readonly #streams: RunStreams;
  #draining = false;

  constructor(options: ChatServiceOptions) {
    this.#options = options;
    const { conversations } = options;
    const journal = conversations?.journal;
    this.#gate = new TurnGate({ admission: options.admission, moderation: options.moderation, journal });
    const driver = new RunDriver({
      gateway: options.gateway,
      runTimeoutMs: options.runTimeoutMs,
      moderation: options.moderation,
      onError: options.onError,
      complete: createRunCompletion({ conversations, aiLabel: this.aiLabel }),
      hide: (run) => void journal?.hide(run),
    });
    this.#launch = createRunLauncher({ ...options, driver, journal });
    this.#streams = new RunStreams({
      runs: options.runs,
      shared: options.shared,
      conversations: conversations?.api,
      aiLabel: this.aiLabel,
    });
  }

  /**
   * SIGTERM: new runs are refused (retryable); with a shared log, resumable streams end without a final event, so
   * clients resume them on another instance while this one finishes the runs it holds.
   */
  drain(): void {
    this.#draining = true;
    this.#streams.drain();
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** A resumable stream of a run started here (GraphQL chatStream): detaches on drain when others can resume it. */
  follow(run: Run, signal?: AbortSignal): AsyncGenerator<ChatEvent> {
    return this.#streams.follow(run, signal);
  }

  /** Validates a turn and translates it into what the gateway must receive. Throws INVALID_INPUT & co. */
  prepare(principal: Principal, input: SendChatInput, conversation?: OpenConversation): GatewayChatRequest {
    return prepareTurn(principal, input, this.#options.limits, conversation);
  }

  /**
   * Starts a run; it proceeds server-side whoever listens. Validation errors are thrown before any run exists.
   * Neither admits nor moderates the turn: surfaces start runs through begin(), open() or send(), which do.
   */
  start(principal: Principal, input: SendChatInput, options: StartOptions): Run {
    return this.#launch(principal, input, options, this.#request(principal, input, options));
  }

  #request(principal: Principal, input: SendChatInput, options: StartOptions): GatewayChatRequest {
    const { conversation } = options;
    if (input.conversationId !== undefined && conversation === undefined) {
      throw new AppError('INVALID_INPUT', 'conversationId is accepted by GraphQL and tRPC only; REST uses `user`.');
    }
    if (this.#draining) {
      throw new AppError('UPSTREAM_UNAVAILABLE', 'This server is restarting; send the message again in a moment.');
    }
    // Generated media need a stored conversation to belong to (its owner's attachments, served by signed URL).
    const keepMedia = Boolean(this.#options.conversations && (conversation || input.user !== undefined));
    return {
      ...this.prepare(principal, input, conversation),
      stream: options.stream,
      ...(keepMedia ? { keepMedia } : {}),
    };
  }

  /** The AI label answers carry (AI_LABEL_TEXT). */
  get aiLabel(): string | null {
    return this.#options.aiLabel ?? null;
  }

  /** Whether the principal may start a turn now (policy, rate, quota): throws the refusal. */
  admit(principal: Principal): Promise<Ticket> {
    return this.#gate.admit(principal);
  }

  /**
   * start() once admitted and once moderation passed the user's turn: what every surface calls. A refused turn
   * throws CONTENT_REJECTED (stored as rejected) and nothing reaches the gateway; one that could not be checked,
   * failing closed, throws UPSTREAM_UNAVAILABLE. A turn that never starts for other reasons gives its rate point
   * back; a moderated one keeps it (each costs a WeChat call, which the rate bounds).
   */
  async begin(principal: Principal, input: SendChatInput, options: StartOptions): Promise<Run> {
    const ticket = options.ticket ?? (await this.admit(principal));
    const request = await refundOnThrow(ticket, () => this.#request(principal, input, options));
    if (this.#options.moderation) await this.#gate.screen(principal, input, options);
    return refundOnThrow(ticket, async () => {
      await ticket.reserve?.(input.user);
      return this.#launch(principal, input, { ...options, ticket }, request);
    });
  }

  /** begin() within a stored conversation: continues input.conversationId (NOT_FOUND if not the caller's) or opens one. */
  async open(principal: Principal, input: SendChatInput, options: StartOptions): Promise<Run> {
    if (!this.#options.conversations && input.conversationId !== undefined) throw storeless();
    const ticket = await this.admit(principal);
    const conversation = await refundOnThrow(ticket, () => this.#options.conversations?.journal.open(principal, input));
    const run = await this.begin(principal, input, { ...options, conversation, ticket });
    // Its id is handed out next: other instances must find it by then (a resume may land on any of them).
    await this.#options.shared?.started(run);
    return run;
  }

  /** REST: PAYLOAD_TOO_LARGE before any run when a turn recorded under `user` would exceed the attachment cap. */
  async admitLegacy(principal: Principal, input: SendChatInput): Promise<void> {
    await this.#options.conversations?.journal.admitLegacy(principal, input);
  }

  /** The conversation API (GraphQL, tRPC); NOT_FOUND on a server without a store. */
  get conversations(): Conversations {
    const api = this.#options.conversations?.api;
    if (!api) throw storeless();
    return api;
  }

  /**
   * A run's events wherever it is: held here, held by another instance (the shared log), or finished and
   * forgotten (replayed from the store, e.g. after a restart).
   */
  replayableEvents(
    principal: Principal,
    runId: string,
    after?: string,
    signal?: AbortSignal,
  ): Promise<AsyncGenerator<ChatEvent>> {
    return this.#streams.replayable(principal, runId, after, signal);
  }

  /**
   * send() within a stored conversation (GraphQL, tRPC): the result carries its conversationId. Where several
   * instances share the database it is answered once the turn is committed (ConversationJournal.answerable).
   */
  async sendInConversation(principal: Principal, input: SendChatInput, options: SendOptions = {}): Promise<ChatResult> {
    try {
      return await awaitRun(await this.open(principal, input, { stream: false, log: options.log }), options.signal);
    } finally {
      await this.#options.conversations?.journal.answerable();
    }
  }

  /** A run awaited to completion (non-streaming surfaces). Rejects with the run's AppError. */
  async send(principal: Principal, input: SendChatInput, options: SendOptions = {}): Promise<ChatResult> {
    return awaitRun(await this.begin(principal, input, { stream: false, log: options.log }), options.signal);
  }

  /** Events of one of the principal's runs after `after` (all of them when omitted), live until it ends. */
  events(principal: Principal, runId: string, after?: string, signal?: AbortSignal): AsyncGenerator<ChatEvent> {
    const run = this.#options.runs.get(principal, runId);
    return run.subscribe(after, signal);
  }

  /** True when a running run was stopped (its upstream request aborted, on whichever instance holds it). */
  cancel(principal: Principal, runId: string): Promise<boolean> {
    return this.#streams.cancel(principal, runId);
  }
}

async function awaitRun(run: Run, signal: AbortSignal | undefined): Promise<ChatResult> {
  const onAbort = () => run.cancel();
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await run.result;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
