import * as crypto from 'node:crypto';

import type { ChatEvent, ChatResult } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import type { RunLog } from './service.ts';

/** Node 24 has UUIDv7; older supported Nodes (engines) fall back to v4, which only loses the index locality. */
const newRunId: () => string = crypto.randomUUIDv7 ?? crypto.randomUUID;

type EventBody =
  | { type: 'started'; conversationId?: string }
  | { type: 'delta'; text: string }
  | { type: 'completed'; result: ChatResult }
  | Omit<Extract<ChatEvent, { type: 'tool' }>, 'runId' | 'eventId'>;

export type RunStatus = 'running' | 'completed' | 'failed';

export interface RunOptions {
  log?: RunLog;
  /** The end user it runs for (the input's `user`), counted against the per-user cap. */
  user?: string;
  /** Cap on `bytes`: an answer that would exceed it fails the run instead of growing the log. */
  maxEventBytes?: number;
  /** Runs in flight its principal may have (a signed-in user's cap); absent: the registry's per-key ceiling. */
  maxActiveRuns?: number;
}

/**
 * Formats an error's stack (and its causes') now. Until formatted, V8 keeps the captured frames, receivers and
 * closures included: a cancel raised from a socket's 'close' would pin that request, attachments and all, for as
 * long as the run keeps the error (its result, its signal's reason), i.e. until retention ends.
 */
function releaseFrames(error: unknown): void {
  for (let depth = 0; depth < 4 && error instanceof Error; depth++) {
    void error.stack;
    error = error.cause;
  }
}

/** Approximate heap of one event object, beside its text (2 bytes per UTF-16 unit). */
const EVENT_OVERHEAD_BYTES = 64;

/**
 * One assistant turn. Keeps its events (ids "1", "2", ...) so any number of subscribers can attach
 * late or re-attach after a drop and receive exactly what came after the id they last saw.
 */
export class Run {
  /**
   * A UUIDv7: the time first, then 74 random bits (unguessable; and a run is only ever found by its owner). Time
   * first keeps the store's run_id index appended at its right edge, where random ids dirtied a different page of
   * it every turn. Drawn from Node's pooled entropy cache (randomBytes would hit the OS every run).
   */
  readonly id = newRunId();
  readonly principalId: string;
  readonly model: string;
  readonly createdAt = Date.now();
  finishedAt: number | undefined;
  /** The stored conversation the run's turn belongs to, when it belongs to one. */
  conversationId: string | undefined;
  status: RunStatus = 'running';
  /** Approximate retained heap (~2 kB of objects per finished run, measured, plus text), for the memory bound. */
  bytes = 2048;
  /** Moderation withdrew the answer: its deltas are dropped and never replayed. */
  retracted = false;

  readonly #events: ChatEvent[] = [];
  readonly #controller = new AbortController();
  #wake: Array<() => void> = [];
  #settle!: { resolve: (result: ChatResult) => void; reject: (error: AppError) => void };
  /** Settles with the final result or failure; never left unobserved-rejected. */
  readonly result: Promise<ChatResult>;

  /** The logger of the request that started the run. */
  readonly log: RunLog | undefined;
  readonly user: string | undefined;
  readonly maxActiveRuns: number | undefined;
  readonly #maxEventBytes: number;

  constructor(principalId: string, model: string, options: RunOptions = {}) {
    this.principalId = principalId;
    this.model = model;
    this.log = options.log;
    this.user = options.user;
    this.maxActiveRuns = options.maxActiveRuns;
    this.#maxEventBytes = options.maxEventBytes ?? Number.POSITIVE_INFINITY;
    this.result = new Promise<ChatResult>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.result.catch(() => {});
  }

  /** Aborted by cancel() or the run's deadline (the upstream request listens to it). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#controller.signal.aborted;
  }

  get lastEventId(): string {
    return String(this.#events.length);
  }

  /** The answer's text so far, joined from its deltas: read every few seconds by the store, never per delta. */
  get partialText(): string {
    let text = '';
    for (const event of this.#events) if (event.type === 'delta') text += event.text;
    return text;
  }

  emit(body: EventBody): ChatEvent | undefined {
    if (this.status !== 'running') return undefined;
    const bytes =
      body.type === 'delta'
        ? body.text.length * 2 + EVENT_OVERHEAD_BYTES
        : body.type === 'completed'
          ? 256 + body.result.message.content.length * 2
          : 256;
    if (this.bytes + bytes > this.#maxEventBytes) {
      this.abort(
        new AppError(
          'UPSTREAM_FAILED',
          `The agent's answer was too large (over ${this.#maxEventBytes} bytes held); ask for a shorter answer.`,
        ),
      );
      return undefined;
    }
    if (body.type !== 'completed') return this.#append(body, bytes);
    this.#end('completed');
    this.#settle.resolve(body.result);
    return this.#append(body, bytes);
  }

  /** Ends the run with a failed event; awaiting callers get the original error (status, Retry-After kept). */
  fail(error: AppError): ChatEvent | undefined {
    if (this.status !== 'running') return undefined;
    releaseFrames(error);
    this.#end('failed');
    this.#settle.reject(error);
    const failed = { type: 'failed' as const, code: error.code, message: error.message };
    return this.#append(this.retracted ? { ...failed, retracted: true } : failed, 256);
  }

  /**
   * Drops the text streamed so far: late subscribers never see it. Before the run fails (then its failed event says
   * so), or after it failed or was cancelled (its failed event is marked too; those who saw it keep what they saw).
   */
  retract(): void {
    if (this.retracted || this.status === 'completed') return;
    this.retracted = true;
    const running = this.status === 'running';
    for (const [index, event] of this.#events.entries()) {
      if (event.type === 'delta') {
        // A finished run's bytes are already counted by the registry: only a running one's shrink.
        if (running) this.bytes -= event.text.length * 2;
        this.#events[index] = { ...event, text: '' };
      } else if (event.type === 'failed') {
        this.#events[index] = { ...event, retracted: true };
      }
    }
  }

  /** Numbers the event, keeps it for late subscribers and wakes the waiting ones. */
  #append(body: EventBody | Omit<Extract<ChatEvent, { type: 'failed' }>, 'runId' | 'eventId'>, bytes: number) {
    const event = { ...body, runId: this.id, eventId: String(this.#events.length + 1) } as ChatEvent;
    this.#events.push(event);
    this.bytes += bytes;
    const wake = this.#wake;
    this.#wake = [];
    for (const resolve of wake) resolve();
    return event;
  }

  #end(status: RunStatus): void {
    this.status = status;
    this.finishedAt = Date.now();
  }

  cancel(): boolean {
    return this.abort(new AppError('CANCELLED', 'The run was cancelled.'));
  }

  /** Stops a running run: aborts its upstream request and ends it with `error` (a cancel or a deadline). */
  abort(error: AppError): boolean {
    if (this.status !== 'running') return false;
    releaseFrames(error);
    this.#controller.abort(error);
    this.fail(error);
    return true;
  }

  /** Index of the first event after `after`; INVALID_INPUT for an id this run never issued. */
  #position(after: string | undefined): number {
    if (after === undefined || after === '') return 0;
    const n = Number(after);
    if (!Number.isInteger(n) || n < 0 || n > this.#events.length) {
      throw new AppError(
        'INVALID_INPUT',
        `Unknown event id "${after}" for this run; resume from an eventId you received.`,
      );
    }
    return n;
  }

  /**
   * Backlog after `after`, then live events, ending after the final one. Ending early (the consumer
   * stops, or `signal` aborts) only detaches: the run goes on.
   */
  async *subscribe(after?: string, signal?: AbortSignal): AsyncGenerator<ChatEvent> {
    let index = this.#position(after);
    while (!signal?.aborted) {
      while (index < this.#events.length) {
        const event = this.#events[index++]!;
        if (this.retracted && event.type === 'delta') continue;
        yield event;
        if (event.type === 'completed' || event.type === 'failed') return;
      }
      if (this.status !== 'running') return;
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#wake.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }
}
