import type { FastifyBaseLogger } from 'fastify';
import type { ChatEvent, ChatMessageInput, ChatResult, SendChatInput } from '../contract/chat.ts';
import { AppError, toAppError } from '../contract/errors.ts';
import type { AttachmentLimits } from '../contract/limits.ts';
import { validateAttachments } from '../gateway/attachments.ts';
import { UpstreamHttpError } from '../gateway/errors.ts';
import type { Completion, GatewayEvent } from '../gateway/events.ts';
import type { GatewayChatRequest } from '../gateway/translate.ts';
import type { ConversationJournal, OpenConversation } from './conversation-journal.ts';
import type { Conversations } from './conversations.ts';
import { extractOutputAttachments } from './output-attachments.ts';
import type { Principal } from './principal.ts';
import { Run } from './run.ts';
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
}

/** Where a run's failures are logged: the logger of the request that started it (so lines carry its id). */
export type RunLog = Pick<FastifyBaseLogger, 'info' | 'error'>;

export interface StartOptions {
  /** Stream deltas from the gateway (else one non-streaming upstream call). */
  stream: boolean;
  log?: RunLog;
  /** The stored conversation the turn belongs to (see open()). */
  conversation?: OpenConversation;
}

export interface SendOptions {
  /** Aborts (cancels the run) when the caller goes away. */
  signal?: AbortSignal;
  log?: RunLog;
}

const FIRST_TURN_RACE_RETRY_MS = 150;

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

  constructor(options: ChatServiceOptions) {
    this.#options = options;
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

  /** Starts a run; it proceeds server-side whoever listens. Validation errors are thrown before any run exists. */
  start(principal: Principal, input: SendChatInput, options: StartOptions): Run {
    const { conversation } = options;
    if (input.conversationId !== undefined && conversation === undefined) {
      throw new AppError('INVALID_INPUT', 'conversationId is accepted by GraphQL and tRPC only; REST uses `user`.');
    }
    const request = { ...this.prepare(principal, input, conversation), stream: options.stream };
    const run = new Run(principal.id, request.model, {
      log: options.log,
      user: input.user,
      maxEventBytes: this.#options.maxEventBytes,
    });
    run.conversationId = conversation?.id;
    this.#options.runs.add(run);
    run.emit(conversation ? { type: 'started', conversationId: conversation.id } : { type: 'started' });
    this.#options.conversations?.journal.track(principal, input, request, run, conversation);
    void this.#drive(run, { ...request, runId: run.id }, conversation?.id);
    return run;
  }

  /** start() within a stored conversation: continues input.conversationId (NOT_FOUND if not the caller's) or opens one. */
  async open(principal: Principal, input: SendChatInput, options: StartOptions): Promise<Run> {
    if (!this.#options.conversations && input.conversationId !== undefined) throw storeless();
    const conversation = await this.#options.conversations?.journal.open(principal, input);
    return this.start(principal, input, { ...options, conversation });
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

  /** events(), or a finished run replayed from the store once the registry has forgotten it (e.g. a restart). */
  async replayableEvents(
    principal: Principal,
    runId: string,
    after?: string,
    signal?: AbortSignal,
  ): Promise<AsyncGenerator<ChatEvent>> {
    try {
      return this.events(principal, runId, after, signal);
    } catch (error) {
      const api = error instanceof AppError && error.code === 'NOT_FOUND' && this.#options.conversations?.api;
      const replay = api ? await api.replay(principal, runId, after) : undefined;
      if (!replay) throw error;
      return replay;
    }
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
    return this.#await(this.start(principal, input, { stream: false, log: options.log }), options.signal);
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

  /** True when a running run was stopped (its upstream request aborted); false when it had already ended. */
  cancel(principal: Principal, runId: string): boolean {
    return this.#options.runs.get(principal, runId).cancel();
  }

  async #drive(run: Run, request: GatewayChatRequest, conversationId?: string): Promise<void> {
    // One plain timer per run, cleared when it ends (AbortSignal.timeout would pin every run for the full deadline).
    const deadline = setTimeout(() => {
      const error = new AppError('UPSTREAM_TIMEOUT', 'The agent run took longer than the server allows.');
      if (run.abort(error)) this.#options.onError?.(error, run);
    }, this.#options.runTimeoutMs);
    try {
      const turn = () => this.#turnWithRaceRetry(run, request);
      const completion = request.sessionKey
        ? await this.#sessions.run(request.sessionKey, turn, run.signal)
        : await turn();
      this.#complete(run, completion, conversationId);
    } catch (error) {
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
  async #turnWithRaceRetry(run: Run, request: GatewayChatRequest): Promise<Completion> {
    try {
      return await this.#turn(run, request);
    } catch (error) {
      const race = request.sessionKey && error instanceof UpstreamHttpError && error.upstreamStatus === 500;
      if (!race || run.lastEventId !== '1') throw error;
      await new Promise((resolve) => setTimeout(resolve, FIRST_TURN_RACE_RETRY_MS));
      return this.#turn(run, request);
    }
  }

  /** One upstream attempt; aborts with the run (cancel, deadline, shutdown). */
  async #turn(run: Run, request: GatewayChatRequest): Promise<Completion> {
    const signal = run.signal;
    signal.throwIfAborted();
    if (!request.stream) return this.#options.gateway.complete(request, signal);
    for await (const event of this.#options.gateway.stream(request, signal)) {
      if (event.type === 'delta') run.emit({ type: 'delta', text: event.text });
      else if (event.type === 'tool') run.emit(event);
      else if (event.type === 'completed') return event;
      else throw event.error;
    }
    throw new AppError('UPSTREAM_FAILED', 'The gateway closed the stream before the answer was complete.');
  }

  #complete(run: Run, completion: Completion, conversationId: string | undefined): void {
    run.emit({
      type: 'completed',
      result: {
        runId: run.id,
        model: run.model,
        message: { role: 'assistant', content: completion.text },
        finishReason: completion.finishReason,
        usage: completion.usage,
        attachments: extractOutputAttachments(completion.text),
        ...(conversationId === undefined ? {} : { conversationId }),
      },
    });
  }
}
