import { AppError } from '../../contract/errors.ts';
import type { GatewayEvent } from '../events.ts';
import type { WsConnection } from './connection.ts';
import { mapRequestError } from './request-errors.ts';
import { messageText } from './run-events.ts';

export interface RecoveryOptions {
  connection: WsConnection;
  requestTimeoutMs: number;
}

/** How a recovered run ended, and how many media its answer named (agent.wait's text keeps the MEDIA: lines). */
export interface Recovered {
  event: GatewayEvent;
  mediaExpected: number;
}

const MEDIA_LINE = /^MEDIA:\S.*$/gm;

/**
 * After a reconnect: events sent while we were away are gone, so ask the gateway how the run ended
 * (`agent.wait`, long-polled) and read its answer from `chat.history`. Undefined when the live events won.
 */
export async function recoverRun(
  options: RecoveryOptions,
  runId: string,
  sessionKey: string,
  ended: () => boolean,
): Promise<Recovered | undefined> {
  const { connection, requestTimeoutMs } = options;
  const pollMs = Math.max(1_000, requestTimeoutMs - 1_000);
  try {
    for (;;) {
      if (ended()) return undefined;
      const result = await connection.request<{
        status?: string;
        error?: unknown;
        terminalReply?: { text?: unknown };
      }>('agent.wait', { runId, timeoutMs: pollMs }, pollMs + requestTimeoutMs);
      if (result.status === 'timeout') continue;
      const failed = (error: AppError): Recovered => ({ event: { type: 'failed', error }, mediaExpected: 0 });
      if (result.status === 'ok') {
        const reply = String(result.terminalReply?.text ?? '');
        const text = (await historyText(connection, runId, sessionKey)) ?? reply.replace(MEDIA_LINE, '').trim();
        const mediaExpected = reply.slice(0, 64 * 1024).match(MEDIA_LINE)?.length ?? 0;
        return { event: { type: 'completed', text, finishReason: 'stop', usage: null }, mediaExpected };
      }
      if (result.status === 'error') {
        return failed(new AppError('UPSTREAM_FAILED', 'The agent run failed on the gateway.'));
      }
      if (result.status === 'aborted') return failed(new AppError('CANCELLED', 'The run was stopped on the gateway.'));
      return failed(
        new AppError('UPSTREAM_FAILED', 'The gateway lost the run while the connection was down; send it again.'),
      );
    }
  } catch (error) {
    if (ended()) return undefined;
    return { event: { type: 'failed', error: mapRequestError(error) }, mediaExpected: 0 };
  }
}

/** The run's assistant text from the transcript (MEDIA lines already turned into blocks there). */
async function historyText(connection: WsConnection, runId: string, sessionKey: string): Promise<string | undefined> {
  const row = await historyRow(connection, runId, sessionKey);
  return row === undefined ? undefined : messageText(row);
}

/** The run's newest assistant row in the session's transcript (undefined when not there, or on error). */
export async function historyRow(connection: WsConnection, runId: string, sessionKey: string): Promise<unknown> {
  const history = await connection
    .request<{ messages?: unknown[] }>('chat.history', { sessionKey, limit: 20 })
    .catch(() => undefined);
  const row = history?.messages?.findLast(
    (m) =>
      (m as { role?: unknown }).role === 'assistant' &&
      (m as { __openclaw?: { runId?: unknown } }).__openclaw?.runId === runId,
  );
  return row;
}
