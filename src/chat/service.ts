import type { FastifyBaseLogger } from 'fastify';
import type { ChatEvent, ChatMessageInput, ChatResult, OutputAttachment, SendChatInput } from '../contract/chat.ts';
import { AppError, toAppError } from '../contract/errors.ts';
import type { AttachmentLimits } from '../contract/limits.ts';
import { validateAttachments } from '../gateway/attachments.ts';
import { UpstreamHttpError } from '../gateway/errors.ts';
import type { Completion, GatewayEvent, GeneratedMedia } from '../gateway/events.ts';
import type { GatewayChatRequest } from '../gateway/translate.ts';
import { estimateTokens } from '../limits/token-estimate.ts';
import { AnswerScreen } from '../moderation/answer-screen.ts';
import type { Moderation, Verdict } from '../moderation/moderation.ts';
import { rejectedInput, uncheckedInput, userTurn, withdrawn } from '../moderation/refusals.ts';
import { ADMIT_ALL, type Admission, type Ticket } from './admission.ts';
import type { ConversationJournal, OpenConversation } from './conversation-journal.ts';
import type { Conversations } from './conversations.ts';
import { Handoff } from './handoff.ts';
import { extractOutputAttachments } from './output-attachments.ts';
import type { Principal } from './principal.ts';
import { Run } from './run.ts';
import type { Follow, RunEventLog } from './run-log.ts';
import type { RunRegistry } from './run-registry.ts';
import { KeyedSerializer, sessionKeyFor } from './session.ts';

/** What the service needs of the gateway client (a fake in unit tests). */
export interface ChatGateway {
  complete(request: GatewayChatRequest, signal: AbortSignal): Promise<Completion>;
  stream(request: GatewayChatRequest, signal: AbortSignal): AsyncIterable<GatewayEvent>;
}

export interface ChatServiceOptions {
  gateway: ChatGateway;
  runs: RunRegistry;
  limits: AttachmentLimits;
  runTimeoutMs: number;
  /** Cap on one run's event log (approximate bytes held). */
  maxEventBytes?: number;
  /** Where failures that are bugs or upstream faults get their details logged. */
  onError?: (error: AppError, run: Run) => void;
  /** The store's conversation layer; without it the service keeps nothing beyond its runs. */
  conversations?: { journal: ConversationJournal; api: Conversations };
  /** Access policy, rate and quota, asked before every turn (none: every caller may chat). */
  admission?: Admission;
  /** Content moderation of user turns and answers (MODERATION); none when off. */
  moderation?: Moderation;
  /** The label every answer carries (AI_LABEL_TEXT). */
  aiLabel?: string;
  /** Several instances: the log every instance shares (Redis), where runs held elsewhere are read and cancelled. */
  shared?: RunEventLog;
  /** Metrics: each run as it starts, and each of its events. */
  onRunStarted?: (run: Run, stream: boolean) => void;
  onRunEvent?: (run: Run, event: ChatEvent) => void;
}

/** Where a run's failures are logged: the logger of the request that started it (so lines carry its id). */
export type RunLog = Pick<FastifyBaseLogger, 'info' | 'error'>;

export interface StartOptions {
  /** Stream deltas from the gateway (else one non-streaming upstream call). */
  stream: boolean;
  log?: RunLog;
  /** The stored conversation the turn belongs to (see open()). */
  conversation?: OpenConversation;
  /** What admission granted (begin() and open() ask for it). */
  ticket?: Ticket;
}

export interface SendOptions {
  /** Aborts (cancels the run) when the caller goes away. */
  signal?: AbortSignal;
  log?: RunLog;
}

const FIRST_TURN_RACE_RETRY_MS = 150;

const unknownRun = () =>
  new AppError('NOT_FOUND', 'No such run: it never existed, belongs to another key, or has expired.');

const storeless = () => new AppError('NOT_FOUND', 'This server keeps no conversations (DATABASE_URL=none).');

/** Stateful conversations send only the new turn: the gateway already holds the history. */
function newTurn(messages: readonly ChatMessageInput[]): ChatMessageInput[] {
  const lastAssistant = messages.findLastIndex((m) => m.role === 'assistant');
  if (lastAssistant === -1) return [...messages];
  return [...messages.slice(0, lastAssistant).filter((m) => m.role === 'system'), ...messages.slice(lastAssistant + 1)];
}

/** The one chat implementation behind REST, GraphQL and tRPC. */
export class ChatService {
  readonly #options: ChatServiceOptions;
  readonly #sessions = new KeyedSerializer();
  /** With a shared log: resumable streams, detached on drain so their clients resume on another instance. */
  readonly #handoff: Handoff | undefined;
  #draining = false;

  constructor(options: ChatServiceOptions) {
    this.#options = options;
    this.#handoff = options.shared && new Handoff();
  }

  /**
   * SIGTERM: new runs are refused (retryable); with a shared log, resumable streams end without a final event, so
   * clients resume them on another instance while this one finishes the runs it holds.
   */
  drain(): void {
    this.#draining = true;
    this.#handoff?.drain();
  }

  get draining(): boolean {
    return this.#draining;
  }

  #detachable(
    signal: AbortSignal | undefined,
    open: (signal: AbortSignal | undefined) => AsyncGenerator<ChatEvent>,
  ): AsyncGenerator<ChatEvent> {
    return this.#handoff ? this.#handoff.wrap(signal, open) : open(signal);
  }

  /** A resumable stream of a run started here (GraphQL chatStream): detaches on drain when others can resume it. */
  follow(run: Run, signal?: AbortSignal): AsyncGenerator<ChatEvent> {
    return this.#detachable(signal, (s) => run.subscribe(undefined, s));
  }

  /** Validates a turn and translates it into what the gateway must receive. Throws INVALID_INPUT & co. */
  prepare(principal: Principal, input: SendChatInput, conversation?: OpenConversation): GatewayChatRequest {
    const last = input.messages.at(-1);
    if (last?.role !== 'user') {
      throw new AppError('INVALID_INPUT', 'The last message must be the user\'s turn (role "user").');
    }
    const attachments = validateAttachments(input.attachments ?? [], this.#options.limits);
    if (last.content.trim() === '' && attachments.length === 0) {
      throw new AppError('INVALID_INPUT', 'The user message is empty: send text, an image or a file.');
    }
    const agentId = input.agentId;
    const model = agentId ? `openclaw/${agentId}` : (input.model ?? 'openclaw');
    const sessionKey =
      conversation?.sessionKey ?? (input.user === undefined ? undefined : sessionKeyFor(principal, input.user));
    return {
      model,
      messages: sessionKey && !conversation?.newSession ? newTurn(input.messages) : input.messages,
      attachments,
      sessionKey,
      stream: false,
      ...(input.thinking ? { thinking: input.thinking } : {}),
    };
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

  #launch(principal: Principal, input: SendChatInput, options: StartOptions, request: GatewayChatRequest): Run {
    const { conversation, ticket } = options;
    const { shared, onRunEvent } = this.#options;
    const run = new Run(principal.id, request.model, {
      log: options.log,
      user: input.user,
      maxEventBytes: this.#options.maxEventBytes,
      maxActiveRuns: ticket?.maxActiveRuns,
      onEvent: (r, event) => {
        shared?.append(r, event);
        onRunEvent?.(r, event);
      },
    });
    run.conversationId = conversation?.id;
    this.#options.runs.add(run);
    this.#options.onRunStarted?.(run, options.stream);
    run.emit(conversation ? { type: 'started', conversationId: conversation.id } : { type: 'started' });
    this.#options.conversations?.journal.track(principal, input, request, run, conversation);
    if (ticket?.settle) settleUsage(run, request, ticket.settle);
    void this.#drive(principal, run, { ...request, runId: run.id }, conversation?.id);
    return run;
  }

  /** The AI label answers carry (AI_LABEL_TEXT). */
  get aiLabel(): string | null {
    return this.#options.aiLabel ?? null;
  }

  /** Whether the principal may start a turn now (policy, rate, quota): throws the refusal. */
  admit(principal: Principal): Promise<Ticket> {
    return (this.#options.admission ?? ADMIT_ALL).admit(principal);
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
    const { moderation } = this.#options;
    if (moderation) await this.#screenInput(moderation, principal, input, options);
    return refundOnThrow(ticket, async () => {
      await ticket.reserve?.(input.user);
      return this.#launch(principal, input, { ...options, ticket }, request);
    });
  }

  async #screenInput(
    moderation: Moderation,
    principal: Principal,
    input: SendChatInput,
    options: StartOptions,
  ): Promise<void> {
    const verdict = await moderation.moderate(userTurn(input.messages), principal, 'input', { log: options.log });
    if (verdict.allowed) return;
    if (verdict.reason === 'unavailable') throw uncheckedInput();
    await this.#options.conversations?.journal.reject(principal, input, options.conversation);
    throw rejectedInput();
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
  async replayableEvents(
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
    const replay = await this.#options.conversations?.api.replay(principal, runId, after, this.aiLabel);
    if (!replay) throw unknownRun();
    return replay;
  }

  /** send() within a stored conversation (GraphQL, tRPC): the result carries its conversationId. */
  async sendInConversation(principal: Principal, input: SendChatInput, options: SendOptions = {}): Promise<ChatResult> {
    const run = await this.open(principal, input, { stream: false, log: options.log });
    try {
      return await this.#await(run, options.signal);
    } finally {
      await this.#options.conversations?.journal.recorded(run);
    }
  }

  /** A run awaited to completion (non-streaming surfaces). Rejects with the run's AppError. */
  async send(principal: Principal, input: SendChatInput, options: SendOptions = {}): Promise<ChatResult> {
    return this.#await(await this.begin(principal, input, { stream: false, log: options.log }), options.signal);
  }

  async #await(run: Run, signal: AbortSignal | undefined): Promise<ChatResult> {
    const onAbort = () => run.cancel();
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await run.result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Events of one of the principal's runs after `after` (all of them when omitted), live until it ends. */
  events(principal: Principal, runId: string, after?: string, signal?: AbortSignal): AsyncGenerator<ChatEvent> {
    const run = this.#options.runs.get(principal, runId);
    return run.subscribe(after, signal);
  }

  /** True when a running run was stopped (its upstream request aborted, on whichever instance holds it). */
  async cancel(principal: Principal, runId: string): Promise<boolean> {
    const local = this.#options.runs.find(runId);
    if (local?.principalId === principal.id) return local.cancel();
    const cancelled = await this.#options.shared?.cancel(principal.id, runId);
    if (cancelled === undefined) throw unknownRun();
    return cancelled;
  }

  async #drive(principal: Principal, run: Run, request: GatewayChatRequest, conversationId?: string): Promise<void> {
    // One plain timer per run, cleared when it ends (AbortSignal.timeout would pin every run for the full deadline).
    const deadline = setTimeout(() => {
      const error = new AppError('UPSTREAM_TIMEOUT', 'The agent run took longer than the server allows.');
      if (run.abort(error)) this.#options.onError?.(error, run);
    }, this.#options.runTimeoutMs);
    const { moderation } = this.#options;
    const screen =
      moderation &&
      // Not aborted with the run: a check in flight when it is cancelled or fails still decides about its text.
      new AnswerScreen(moderation, principal, {
        log: run.log,
        runId: run.id,
        onRefused: (verdict) => this.#withdraw(run, verdict),
      });
    try {
      const turn = () => this.#turnWithRaceRetry(run, request, screen);
      const completion = request.sessionKey
        ? await this.#sessions.run(request.sessionKey, turn, run.signal)
        : await turn();
      const verdict = await screen?.finish(completion.text);
      if (verdict && !verdict.allowed) this.#withdraw(run, verdict);
      else await this.#complete(run, completion, conversationId);
    } catch (error) {
      if (screen && !run.retracted) void this.#screenEnded(run, screen);
      if (run.aborted) {
        // A cancel, the deadline or shutdown are accounted for where they happen; an answer over the run's event-log
        // cap (Run.emit aborts with UPSTREAM_FAILED) is an upstream fault the operator should see.
        const reason: unknown = run.signal.reason;
        if (reason instanceof AppError && reason.code === 'UPSTREAM_FAILED') this.#options.onError?.(reason, run);
        return;
      }
      const mapped = toAppError(error);
      this.#options.onError?.(mapped, run);
      run.fail(mapped);
    } finally {
      clearTimeout(deadline);
    }
  }

  /** The gateway loses a race between two first turns of a new session with a 500: retry that once. */
  async #turnWithRaceRetry(run: Run, request: GatewayChatRequest, screen?: AnswerScreen): Promise<Completion> {
    try {
      return await this.#turn(run, request, screen);
    } catch (error) {
      const race = request.sessionKey && error instanceof UpstreamHttpError && error.upstreamStatus === 500;
      if (!race || run.lastEventId !== '1') throw error;
      await new Promise((resolve) => setTimeout(resolve, FIRST_TURN_RACE_RETRY_MS));
      return this.#turn(run, request, screen);
    }
  }

  /** One upstream attempt; aborts with the run (cancel, deadline, shutdown). */
  async #turn(run: Run, request: GatewayChatRequest, screen?: AnswerScreen): Promise<Completion> {
    const signal = run.signal;
    signal.throwIfAborted();
    if (!request.stream) return this.#options.gateway.complete(request, signal);
    for await (const event of this.#options.gateway.stream(request, signal)) {
      if (event.type === 'delta') {
        run.emit({ type: 'delta', text: event.text });
        screen?.add(event.text);
      } else if (event.type === 'tool') run.emit(event);
      else if (event.type === 'completed') return event;
      else throw event.error;
    }
    throw new AppError('UPSTREAM_FAILED', 'The gateway closed the stream before the answer was complete.');
  }

  /**
   * Moderation refused the answer (or could not check it, failing closed): what was streamed is taken back. A run that
   * already ended (cancelled, failed) keeps its failure; its stored text is hidden.
   */
  #withdraw(run: Run, verdict: Verdict): void {
    run.retract();
    if (!run.abort(withdrawn(verdict))) void this.#options.conversations?.journal.hide(run);
  }

  /** A run that ended without completing: the text it streamed is still checked (the store keeps it). */
  async #screenEnded(run: Run, screen: AnswerScreen): Promise<void> {
    const text = run.partialText;
    if (text === '') return;
    const verdict = await screen.finish(text);
    if (!verdict.allowed && !run.retracted) this.#withdraw(run, verdict);
  }

  /** The final event; generated media are stored first, so it carries their signed URLs to every stream. */
  async #complete(run: Run, completion: Completion, conversationId: string | undefined): Promise<void> {
    const generated = completion.media?.length ? await this.#keepGenerated(run, completion.media) : [];
    run.emit({
      type: 'completed',
      result: {
        runId: run.id,
        model: run.model,
        message: { role: 'assistant', content: completion.text },
        finishReason: completion.finishReason,
        usage: completion.usage,
        attachments: [...generated, ...extractOutputAttachments(completion.text)],
        ...(conversationId === undefined ? {} : { conversationId }),
        aiGenerated: true,
        label: this.aiLabel,
      },
    });
  }

  async #keepGenerated(run: Run, media: readonly GeneratedMedia[]): Promise<OutputAttachment[]> {
    const layer = this.#options.conversations;
    if (!layer) return [];
    return layer.api.signed(await layer.journal.keepGenerated(run, media));
  }
}

/** A turn's tokens once it ends: the gateway's usage, else the documented estimate (of what was produced so far). */
function settleUsage(run: Run, request: GatewayChatRequest, settle: (tokens: number) => void): void {
  run.result.then(
    (result) => settle(result.usage?.totalTokens ?? estimateTokens(request, result.message.content)),
    () => settle(estimateTokens(request, run.partialText)),
  );
}

/** A step of starting a turn; if it throws, the turn never starts and its rate point is given back. */
async function refundOnThrow<T>(ticket: Ticket, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    ticket.refund?.();
    throw error;
  }
}
