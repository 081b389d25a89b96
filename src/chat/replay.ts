import type { ChatEvent, OutputAttachment } from '../contract/chat.ts';
import { AppError, ERROR_CODES, type ErrorCode } from '../contract/errors.ts';
import type { MessageRecord } from '../store/records.ts';

const asErrorCode = (code: string | null): ErrorCode =>
  (ERROR_CODES as readonly string[]).includes(code ?? '') ? (code as ErrorCode) : 'UPSTREAM_UNAVAILABLE';

/**
 * A finished run's events rebuilt from its stored answer: ChatStarted, then ChatCompleted or ChatFailed with
 * the full result. Deltas are not kept; the final event keeps the id it had live, so resuming works.
 */
export async function* replayStoredRun(
  message: MessageRecord,
  after: string | undefined,
  /** The answer's stored attachments (generated media), signed: they come first, as they did live. */
  stored: OutputAttachment[] = [],
  label: string | null = null,
): AsyncGenerator<ChatEvent> {
  const runId = message.runId ?? '';
  const seen = after === undefined || after === '' ? 0 : Number(after);
  const finalId = message.eventCount ?? Math.max(2, seen + 1);
  if (!Number.isInteger(seen) || seen < 0 || seen > finalId) {
    throw new AppError(
      'INVALID_INPUT',
      `Unknown event id "${after}" for this run; resume from an eventId you received.`,
    );
  }
  if (seen === finalId) return;
  if (seen < 1) yield { type: 'started', runId, eventId: '1', conversationId: message.conversationId };
  const eventId = String(finalId);
  if (message.status === 'completed') {
    yield {
      type: 'completed',
      runId,
      eventId,
      result: {
        runId,
        model: message.model ?? 'openclaw',
        message: { role: 'assistant', content: message.content },
        finishReason: message.finishReason,
        usage: message.usage,
        attachments: [...stored, ...message.outputAttachments],
        conversationId: message.conversationId,
        aiGenerated: true,
        label,
      },
    };
    return;
  }
  const running = message.status === 'running';
  yield {
    type: 'failed',
    runId,
    eventId,
    ...(message.status === 'hidden' ? { retracted: true } : {}),
    code: running ? 'UPSTREAM_UNAVAILABLE' : asErrorCode(message.errorCode),
    message: running
      ? 'This run is not available on this server any more; read the conversation for its text.'
      : (message.errorMessage ?? 'The run failed.'),
  };
}
