import type { ChatClient, ChatEvent, ChatResult, ChatStream, SendChatInput } from '@openclaw-minipro/sdk';
import { isSdkError } from '@openclaw-minipro/sdk';

export interface AnswerHandlers {
  onStarted(conversationId: string | null): void;
  /** The whole answer text so far. */
  onText(text: string): void;
  /** "正在使用工具：…" while a tool runs, '' when it is done. */
  onTool(status: string): void;
  onCompleted(result: ChatResult): void;
  /** `code` is the server's (CANCELLED after stop) or the SDK's; `resumable` failures resume on app foreground. */
  onFailed(code: string, message: string): void;
  /** Content moderation withdrew the answer: what was shown of it must go. */
  onRetracted(): void;
  /** The stream was cut (background, network) and waits for `resume()`; the text so far stays. */
  onInterrupted(): void;
}

const RESUMABLE = ['NETWORK_ERROR', 'TIMEOUT', 'ABORTED'];

/**
 * One streaming answer: remembers the run id and the last event id, so that a stream cut by the background
 * (WeChat fails requests 5 s after the app is hidden) or by the 60 s request cap continues where it stopped,
 * with nothing lost and nothing repeated.
 */
export class AnswerRun {
  runId: string | undefined;
  private lastEventId: string | undefined;
  private text = '';
  private stream: ChatStream | undefined;
  private detached = false;
  private finished = false;
  private readonly client: ChatClient;
  private readonly handlers: AnswerHandlers;

  constructor(client: ChatClient, handlers: AnswerHandlers) {
    this.client = client;
    this.handlers = handlers;
  }

  get running(): boolean {
    return !this.finished;
  }

  start(input: SendChatInput): void {
    void this.consume(this.client.chatStream(input));
  }

  /** Stops listening without cancelling (app hidden): the server keeps the run going. */
  suspend(): void {
    if (this.finished || !this.stream) return;
    this.detached = true;
    this.stream.detach();
  }

  /** Re-attaches after `suspend()` or a cut connection; does nothing when the answer already ended. */
  resume(): void {
    if (this.finished || this.stream || this.runId === undefined) return;
    this.detached = false;
    void this.consume(this.client.resumeStream(this.runId, this.lastEventId));
  }

  /** The user's stop: cancels the run on the server; resolves to whether the server confirmed it. */
  stop(): Promise<boolean> {
    if (this.finished) return Promise.resolve(false);
    if (this.stream) return this.stream.cancel();
    // Interrupted (no open stream): cancel by id.
    this.finish();
    this.handlers.onFailed('CANCELLED', '已停止');
    return this.runId === undefined ? Promise.resolve(false) : this.client.cancelChat(this.runId);
  }

  private finish(): void {
    this.finished = true;
    this.stream = undefined;
  }

  private handle(event: ChatEvent): void {
    this.lastEventId = event.eventId;
    switch (event.__typename) {
      case 'ChatStarted':
        this.runId = event.runId;
        this.handlers.onStarted(event.conversationId);
        break;
      case 'ChatDelta':
        this.text += event.text;
        this.handlers.onText(this.text);
        break;
      case 'ChatToolCall':
        this.handlers.onTool(event.phase === 'started' ? `正在使用工具：${event.title || event.name}` : '');
        break;
      case 'ChatCompleted':
        this.finish();
        this.handlers.onCompleted(event.result);
        break;
      case 'ChatFailed':
        this.finish();
        // The SDK's isRetraction(event) is this test, for code that does not switch on the event type.
        if (event.retracted) {
          this.text = '';
          this.handlers.onRetracted();
        } else this.handlers.onFailed(event.code, event.message);
        break;
    }
  }

  private async consume(stream: ChatStream): Promise<void> {
    this.stream = stream;
    try {
      for await (const event of stream) this.handle(event);
      if (this.finished) return;
      this.stream = undefined;
      if (this.detached) this.handlers.onInterrupted();
      else {
        // Ended without a final event: the user's stop (cancel closes the stream first).
        this.finish();
        this.handlers.onFailed('CANCELLED', '已停止');
      }
    } catch (error) {
      this.stream = undefined;
      const code = isSdkError(error) ? String(error.code) : 'INTERNAL';
      if (this.runId !== undefined && RESUMABLE.indexOf(code) !== -1) {
        this.handlers.onInterrupted();
        return;
      }
      this.finish();
      this.handlers.onFailed(code, error instanceof Error ? error.message : String(error));
    }
  }
}
